/** What every HTTP function's pipeline needs of the instance: the runtime, the authenticator and the public rate limiter. */
import type { PipelineDependencies } from '../http/http-function';
import { getAuthenticator, getRateLimiter } from './identity';
import { getRuntime } from './runtime';

export const pipeline: PipelineDependencies = { runtime: getRuntime, authenticate: getAuthenticator, limiter: getRateLimiter };
