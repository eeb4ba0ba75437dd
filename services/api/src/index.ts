export { crsRoutes } from './crs-routes.js';
export {
  ApiError,
  type ApiRequest,
  type ApiResponse,
  HttpApi,
  type HttpApiOptions,
  type Route,
} from './http-api.js';
export { silenceRoutes } from './silence-routes.js';
