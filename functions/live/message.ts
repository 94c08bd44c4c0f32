export { onMessage as handler } from '../../shared/live/connections';
