export { onConnect as handler } from '../../shared/live/connections';
