// Development/test tool: serves the Upstash Redis REST protocol over a local redis-server, so the Upstash adapter can be exercised for real.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface UpstashBridgeOptions {
  redisUrl?: string;
  token: string;
  port?: number;
}

export interface UpstashBridge {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** A Redis error reply; kept as a value (not thrown) so pipelines and EXEC can report errors per command. */
class RedisReplyError {
  constructor(readonly message: string) {}
}

type Reply = string | number | null | Buffer | RedisReplyError | Reply[];

const MAX_BODY_BYTES = 16 * 1024 * 1024;

// These would change the state of, or block, the single connection every request shares.
const REFUSED_COMMANDS = new Set([
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'select',
  'auth',
  'hello',
  'reset',
  'quit',
  'client',
  'monitor',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'sync',
  'psync',
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'wait',
  'waitaof',
]);

// ---- RESP2 over node:net -------------------------------------------------------------------------

function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `offset`; undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, offset: number): { value: Reply; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buf[offset]) {
    case 0x2b /* + */:
      return { value: line, next };
    case 0x2d /* - */:
      return { value: new RedisReplyError(line), next };
    case 0x3a /* : */:
      return { value: Number(line), next };
    case 0x24 /* $ */: {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.subarray(next, next + length), next: next + length + 2 };
    }
    case 0x2a /* * */: {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: Reply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, cursor);
        if (!item) return undefined;
        items.push(item.value);
        cursor = item.next;
      }
      return { value: items, next: cursor };
    }
    default:
      throw new Error(`unexpected RESP type byte ${String(buf[offset])}`);
  }
}

interface RedisConnection {
  /** Sends the commands in one write (so nothing interleaves) and resolves with one reply per command. */
  send(commands: readonly (readonly string[])[]): Promise<Reply[]>;
  close(): void;
}

/** One lazily (re)connected socket; replies come back in request order, so a FIFO of waiters suffices. */
function createRedisConnection(redisUrl: string): RedisConnection {
  const target = new URL(redisUrl);
  const setup: string[][] = [];
  if (target.password) {
    const password = decodeURIComponent(target.password);
    setup.push(target.username ? ['AUTH', decodeURIComponent(target.username), password] : ['AUTH', password]);
  }
  const db = target.pathname.replace(/^\//, '');
  if (db) setup.push(['SELECT', db]);

  interface Link {
    socket: Socket;
    waiters: { resolve(reply: Reply): void; reject(error: Error): void }[];
  }
  let current: Link | undefined;

  // Each socket owns its waiters, so a reconnect can never pair replies with a dead socket's callers.
  const open = (): Link => {
    const socket = connect({ host: target.hostname || '127.0.0.1', port: Number(target.port || 6379) });
    const link: Link = { socket, waiters: [] };
    let buffer: Buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      if (current === link) current = undefined;
      for (const waiter of link.waiters.splice(0)) waiter.reject(error);
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      let offset = 0;
      for (;;) {
        let parsed: ReturnType<typeof parseReply>;
        try {
          parsed = parseReply(buffer, offset);
        } catch (error) {
          socket.destroy(error as Error);
          return;
        }
        if (!parsed) break;
        offset = parsed.next;
        link.waiters.shift()?.resolve(parsed.value);
      }
      buffer = buffer.subarray(offset);
    });
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis connection closed')));
    // AUTH/SELECT go first on the wire; a failure there poisons the connection rather than each caller.
    for (const command of setup) {
      link.waiters.push({
        resolve: (reply) => {
          if (reply instanceof RedisReplyError) socket.destroy(new Error(`redis ${command[0]} failed: ${reply.message}`));
        },
        reject: () => undefined,
      });
      socket.write(encodeCommand(command));
    }
    return link;
  };

  return {
    send(commands) {
      if (!current || current.socket.destroyed) current = open();
      const { socket, waiters } = current;
      const replies = commands.map(() => new Promise<Reply>((resolve, reject) => waiters.push({ resolve, reject })));
      socket.write(Buffer.concat(commands.map(encodeCommand)));
      return Promise.all(replies);
    },
    close() {
      current?.socket.destroy();
      current = undefined;
    },
  };
}

// ---- REST protocol ---------------------------------------------------------------------------------

class BadRequest extends Error {}

function toArgs(body: unknown): string[] {
  if (!Array.isArray(body) || body.length === 0) throw new BadRequest('ERR command must be a non-empty JSON array');
  return body.map((arg: unknown) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw new BadRequest('ERR command arguments must be strings, numbers or booleans');
  });
}

function checkAllowed(args: readonly string[]): void {
  const name = (args[0] ?? '').toLowerCase();
  if (REFUSED_COMMANDS.has(name)) throw new BadRequest(`ERR '${name}' is not supported by the REST bridge`);
}

function toJson(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === 'number') return reply;
  if (reply instanceof RedisReplyError) return reply.message;
  if (Array.isArray(reply)) return reply.map((item) => toJson(item, base64));
  const bytes = typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply;
  return base64 ? bytes.toString('base64') : bytes.toString('utf8');
}

function toEntry(reply: Reply, base64: boolean): { result: unknown } | { error: string } {
  return reply instanceof RedisReplyError ? { error: reply.message } : { result: toJson(reply, base64) };
}

interface Outcome {
  status: number;
  body: unknown;
}

async function runSingle(redis: RedisConnection, body: unknown, base64: boolean): Promise<Outcome> {
  const args = toArgs(body);
  checkAllowed(args);
  const [reply = null] = await redis.send([args]);
  return reply instanceof RedisReplyError ? { status: 400, body: { error: reply.message } } : { status: 200, body: { result: toJson(reply, base64) } };
}

function toCommandList(body: unknown): string[][] {
  if (!Array.isArray(body) || body.length === 0) throw new BadRequest('ERR body must be a non-empty JSON array of commands');
  const commands = body.map(toArgs);
  commands.forEach(checkAllowed);
  return commands;
}

async function runPipeline(redis: RedisConnection, body: unknown, base64: boolean): Promise<Outcome> {
  const replies = await redis.send(toCommandList(body));
  return { status: 200, body: replies.map((reply) => toEntry(reply, base64)) };
}

async function runTransaction(redis: RedisConnection, body: unknown, base64: boolean): Promise<Outcome> {
  const commands = toCommandList(body);
  const replies = await redis.send([['MULTI'], ...commands, ['EXEC']]);
  const exec = replies[replies.length - 1] ?? null;
  if (exec instanceof RedisReplyError) {
    // Redis only says "previous errors"; name the command that failed to queue.
    const cause = replies.slice(1, -1).find((reply) => reply instanceof RedisReplyError);
    const detail = cause instanceof RedisReplyError ? ` (${cause.message})` : '';
    return { status: 400, body: { error: `${exec.message}${detail}` } };
  }
  if (!Array.isArray(exec)) return { status: 500, body: { error: 'ERR transaction was not executed' } };
  return { status: 200, body: exec.map((reply) => toEntry(reply, base64)) };
}

const routes: Record<string, typeof runSingle> = { '/': runSingle, '/pipeline': runPipeline, '/multi-exec': runTransaction };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest('ERR request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function send(res: ServerResponse, { status, body }: Outcome): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

export async function startUpstashBridge({ redisUrl = 'redis://127.0.0.1:6379', token, port = 0 }: UpstashBridgeOptions): Promise<UpstashBridge> {
  if (!token) throw new Error('startUpstashBridge: token is required');
  const expected = digest(token);
  const redis = createRedisConnection(redisUrl);

  const isAuthorised = (req: IncomingMessage, url: URL): boolean => {
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : url.searchParams.get('_token');
    // Hashing first gives equal lengths, which timingSafeEqual requires.
    return presented !== null && timingSafeEqual(digest(presented), expected);
  };

  const handle = async (req: IncomingMessage): Promise<Outcome> => {
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (!isAuthorised(req, url)) return { status: 401, body: { error: 'Unauthorized' } };
    const route = routes[url.pathname.replace(/(.)\/+$/, '$1')];
    if (!route) return { status: 404, body: { error: `ERR unknown endpoint ${url.pathname}` } };
    if (req.method !== 'POST') return { status: 405, body: { error: 'ERR only POST is supported' } };
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof BadRequest) throw error;
      throw new BadRequest('ERR request body is not valid JSON');
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    return route(redis, body, base64);
  };

  const server = createServer((req, res) => {
    handle(req).then(
      (outcome) => send(res, outcome),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        send(
          res,
          error instanceof BadRequest ? { status: 400, body: { error: message } } : { status: 502, body: { error: `ERR redis unavailable: ${message}` } },
        );
      },
    );
  });

  // Loopback only: the direct-run token is a well-known development value.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: boundPort } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${boundPort}`,
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep sockets alive; without this close() waits for them to time out.
        server.closeAllConnections();
        redis.close();
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8079);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const token = 'local-dev-token';
  startUpstashBridge({ redisUrl, token, port }).then(
    (bridge) => {
      console.log(`Upstash REST bridge on ${bridge.url} -> ${redisUrl} (token: ${bridge.token})`);
      const stop = () => void bridge.close().finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
