/** Counting events per key in a time window, to refuse what exceeds a limit. */

export interface RateLimitRule {
  /** Names the limit, and keeps its counters apart from other limits. */
  name: string;
  max: number;
  windowSeconds: number;
}

export interface RateLimitState {
  /** Events counted in the current window, including this one when it was a hit. */
  count: number;
  limited: boolean;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one event and says whether the limit is now exceeded. */
  hit(rule: RateLimitRule, key: string): Promise<RateLimitState>;
  /** Says whether the limit is already reached, without counting. */
  peek(rule: RateLimitRule, key: string): Promise<RateLimitState>;
}
