import { UsageError } from '../core/errors.js';
import { DEFAULT_CONTEXT, currentContext, environmentTls, readContext, type TlsFiles } from './docker-contexts.js';
import { distinctEngines } from './engine-identity.js';

// Which engine(s) a run talks to, decided exactly as the docker CLI decides it
// (cli/command/cli.go resolveContextName): --context, else --host, else
// DOCKER_HOST, else DOCKER_CONTEXT, else config.json's currentContext, else the
// default socket. The context named "default" is DOCKER_HOST or the socket.
// One target per --host/--context given, in the order given: a cluster over
// several engines builds on this list.

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** One --host or --context, as written on the command line. */
export interface EngineRef {
	kind: 'host' | 'context';
	value: string;
}

export type Transport =
	| { kind: 'socket'; path: string }
	| { kind: 'tcp'; host: string; port: number }
	| { kind: 'ssh'; host: string; user?: string; port?: number };

export interface EngineTarget {
	/**
	 * The engine's name in the plan, events, journal and summary: the context's
	 * name when a context chose it (--context, DOCKER_CONTEXT, currentContext),
	 * else the endpoint as normalized here (unix:///var/run/docker.sock,
	 * tcp://10.0.0.5:2376, ssh://deploy@node-b). Never a hostname or engine ID:
	 * two engines of one host share those.
	 */
	name: string;
	/** The DOCKER_HOST-syntax endpoint (no credentials): the lock key and the journal's engine. */
	endpoint: string;
	/** What chose it, for messages: "--host", "--context", "DOCKER_HOST", "DOCKER_CONTEXT", the config file... */
	via: string;
	transport: Transport;
	tls?: TlsFiles;
	/** How a later process (recover) reaches it again: the context by its name, else the endpoint. */
	ref: EngineRef;
}

/** Parse a DOCKER_HOST-syntax endpoint (unix://, tcp://, ssh://; a bare host:port is tcp). */
export function parseEndpoint(raw: string, via: string, tls: boolean): { endpoint: string; transport: Transport } {
	const bad = (why: string) => new UsageError(`${via} ${JSON.stringify(raw)}: ${why}`);
	const value = raw.trim();
	if (value.startsWith('unix://')) {
		const path = value.slice('unix://'.length) || DEFAULT_SOCKET;
		if (!path.startsWith('/')) throw bad('a unix socket needs an absolute path (unix:///run/docker.sock)');
		return { endpoint: `unix://${path}`, transport: { kind: 'socket', path } };
	}
	const withScheme = value.includes('://') ? value : `tcp://${value}`;
	let url: URL;
	try {
		url = new URL(withScheme);
	} catch {
		throw bad('not an endpoint: use unix:///path, tcp://host:port or ssh://[user@]host[:port]');
	}
	if (url.pathname !== '' && url.pathname !== '/') throw bad('a path after the host is not supported');
	if (url.protocol === 'tcp:') {
		const host = url.hostname || 'localhost';
		// The CLI's defaults: 2376 is the TLS port, 2375 the plain one.
		const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
		return { endpoint: `tcp://${url.host || `${host}:${port}`}`, transport: { kind: 'tcp', host: host.replace(/^\[|\]$/g, ''), port } };
	}
	if (url.protocol === 'ssh:') {
		if (!url.hostname) throw bad('ssh:// needs a host (ssh://user@host)');
		if (url.password) throw bad('put the ssh password in an agent or key, not in the endpoint');
		const user = url.username ? decodeURIComponent(url.username) : undefined;
		const port = url.port ? Number(url.port) : undefined;
		const endpoint = `ssh://${user ? `${url.username}@` : ''}${url.host}`;
		return { endpoint, transport: { kind: 'ssh', host: url.hostname.replace(/^\[|\]$/g, ''), user, port } };
	}
	throw bad(`${url.protocol.replace(/:$/, '')}:// is not an engine endpoint: use unix://, tcp:// or ssh://`);
}

function fromHost(raw: string, via: string, env: NodeJS.ProcessEnv): EngineTarget {
	const tls = environmentTls(env);
	const { endpoint, transport } = parseEndpoint(raw, via, tls !== undefined);
	return { name: endpoint, endpoint, via, transport, tls: transport.kind === 'tcp' ? tls : undefined, ref: { kind: 'host', value: endpoint } };
}

/** The default context: DOCKER_HOST when set, else the default socket. */
function defaultTarget(env: NodeJS.ProcessEnv, via: string): EngineTarget {
	if (env.DOCKER_HOST) return fromHost(env.DOCKER_HOST, via === 'DOCKER_HOST' ? via : `${via} (DOCKER_HOST)`, env);
	return fromHost(`unix://${DEFAULT_SOCKET}`, via, env);
}

function fromContext(name: string, via: string, env: NodeJS.ProcessEnv): EngineTarget {
	if (name === DEFAULT_CONTEXT) return defaultTarget(env, `${via} default`);
	const stored = readContext(name, env, via);
	const { endpoint, transport } = parseEndpoint(stored.host, `docker context "${name}"`, stored.tls !== undefined);
	return { name, endpoint, via: `${via} ${name}`, transport, tls: transport.kind === 'tcp' ? stored.tls : undefined, ref: { kind: 'context', value: name } };
}

/** Every engine the run names, in order, each once (engine-identity.ts); exactly one when nothing is given. */
export function resolveEngines(refs: readonly EngineRef[], env: NodeJS.ProcessEnv = process.env): EngineTarget[] {
	if (refs.length > 0) {
		return distinctEngines(refs.map((ref) => (ref.kind === 'host' ? fromHost(ref.value, '--host', env) : fromContext(ref.value, '--context', env))));
	}
	if (env.DOCKER_HOST) return [defaultTarget(env, 'DOCKER_HOST')];
	if (env.DOCKER_CONTEXT) return [fromContext(env.DOCKER_CONTEXT, 'DOCKER_CONTEXT', env)];
	const current = currentContext(env);
	if (current) return [fromContext(current, 'currentContext', env)];
	return [defaultTarget(env, 'the default socket')];
}

/**
 * Exactly one engine, for the callers that drive one (the demo, a client made
 * without a --host list). The wizard and --yes take every engine given
 * (connectEngines in engine.ts).
 */
export function resolveEngine(refs: readonly EngineRef[] = [], env: NodeJS.ProcessEnv = process.env): EngineTarget {
	const targets = resolveEngines(refs, env);
	if (targets.length > 1) {
		throw new UsageError(`this drives one engine at a time (given: ${targets.map((target) => target.name).join(', ')}): give one --host or --context`);
	}
	return targets[0]!;
}
