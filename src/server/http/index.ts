export { createHttpServer, type ChatOpsOptions, type HttpServerOptions } from './server';
export { ServerConfigError, isLoopbackHost, type SecurityOptions } from './security-options';
