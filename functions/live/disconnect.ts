export { onDisconnect as handler } from '../../shared/live/connections';
