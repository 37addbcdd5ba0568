import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Docker from 'dockerode';
import { EngineUnreachable, UsageError, messageOf, oneLine } from '../core/errors.js';
import { resolveEngine, resolveEngines, type EngineRef, type EngineTarget } from './engine-resolve.js';
import { SshDialAgent } from './ssh-dial.js';

export interface Engine {
	docker: Docker;
	/** Short name for the plan and summary: the docker context's name, else the endpoint. */
	name: string;
	/** Where the engine was reached, for messages and the lock key (never holds credentials). */
	endpoint: string;
	apiVersion: string;
	engineVersion: string;
	/** How `recover` reaches it again (journaled with the plan). */
	ref: EngineRef;
}

const PING_TIMEOUT_MS = 5_000;

/**
 * Every modem field is given, so nothing of process.env's DOCKER_HOST leaks in
 * (docker-modem fills the blanks from it): the resolver alone decides.
 */
/** docker-modem takes an http.Agent; dockerode's types leave it out. */
type ModemOptions = Docker.DockerOptions & { agent?: HttpAgent };

function modemOptions(target: EngineTarget): ModemOptions {
	const none = { socketPath: undefined, host: undefined, port: undefined, ca: undefined, cert: undefined, key: undefined, agent: undefined };
	const { transport, tls } = target;
	if (transport.kind === 'socket') return { ...none, socketPath: transport.path };
	if (transport.kind === 'ssh') {
		// The host name only fills the request line; every byte goes through the ssh child.
		return { ...none, host: 'docker', port: 80, protocol: 'http', agent: new SshDialAgent(transport) };
	}
	if (!tls) return { ...none, host: transport.host, port: transport.port, protocol: 'http' };
	const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
	const material = { ca: read(tls.ca), cert: read(tls.cert), key: read(tls.key) };
	// SkipTLSVerify: encrypted, the engine's certificate unchecked (as the CLI does it).
	const agent = tls.verify ? undefined : new HttpsAgent({ ...material, rejectUnauthorized: false });
	return { ...none, ...material, host: transport.host, port: transport.port, protocol: 'https', agent };
}

/** A client for the resolved engine, without asking it anything (callers that were handed none). */
export function dockerFor(target: EngineTarget = resolveEngine()): Docker {
	try {
		return new Docker(modemOptions(target) as Docker.DockerOptions);
	} catch (error) {
		throw new UsageError(`${target.via}: cannot use ${target.endpoint}: ${oneLine(messageOf(error))}`);
	}
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A client for the engine the resolver names, before any round trip: a caller may send its first request alongside the version (the wizard's list does). */
export interface EngineClient {
	docker: Docker;
	target: EngineTarget;
}

/**
 * The client for the engine the docker CLI would use (--host/--context,
 * DOCKER_HOST, DOCKER_CONTEXT, currentContext, the default socket), without
 * asking it anything. Refusals are bad input (exit 2).
 */
export function engineClient(env: NodeJS.ProcessEnv = process.env, refs: readonly EngineRef[] = []): EngineClient {
	const target = resolveEngine(refs, env);
	return { docker: dockerFor(target), target };
}

/**
 * Connect (engineClient's client, or the one given) and ask the version: one
 * round trip, since an engine that says its version is reachable.
 * Unreachable is bad input (exit 2): nothing has been touched.
 */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env, refs: readonly EngineRef[] = [], client: EngineClient = engineClient(env, refs)): Promise<Engine> {
	const { docker, target } = client;
	const where = target.name === target.endpoint ? target.endpoint : `${target.endpoint} (context ${target.name})`;
	// ssh starts a process and authenticates: give it the CLI's connect timeout, not a socket's.
	const timeoutMs = target.transport.kind === 'ssh' ? 6 * PING_TIMEOUT_MS : PING_TIMEOUT_MS;
	try {
		return engineOf(client, await withTimeout(docker.version(), timeoutMs, `the Docker engine at ${where}`));
	} catch (error) {
		const cause = (error as { code?: string }).code === 'ESSHDIAL' ? oneLine(messageOf(error)) : ((error as NodeJS.ErrnoException).code ?? oneLine(messageOf(error)));
		throw new EngineUnreachable(target.name, `cannot reach the Docker engine at ${where} (${cause}), named by ${target.via}; start dockerd or point --host, --context or DOCKER_HOST at a running engine`);
	}
}

/** The connection, once the engine said its version (here, or through the wizard's first-frame peek). */
export function engineOf({ docker, target }: EngineClient, version: { ApiVersion: string; Version: string }): Engine {
	return { docker, name: target.name, endpoint: target.endpoint, apiVersion: version.ApiVersion, engineVersion: version.Version, ref: target.ref };
}

/** A client for every engine the run names (--host/--context in order, each once), before any round trip. */
export function engineClients(env: NodeJS.ProcessEnv = process.env, refs: readonly EngineRef[] = []): EngineClient[] {
	return resolveEngines(refs, env).map((target) => ({ target, docker: dockerFor(target) }));
}

/**
 * Every engine the run names (engineClients' clients, or the ones given: the
 * wizard sends its first list alongside), asked at once: one that does not
 * answer stops the run before anything is touched anywhere (exit 2, naming it).
 */
export async function connectEngines(env: NodeJS.ProcessEnv = process.env, refs: readonly EngineRef[] = [], clients: EngineClient[] = engineClients(env, refs)): Promise<Engine[]> {
	const settled = await Promise.allSettled(clients.map((client) => connectEngine(env, refs, client)));
	const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
	if (failed) {
		const others = clients.length > 1 ? ' (nothing was touched on any engine)' : '';
		if (failed.reason instanceof EngineUnreachable) throw new EngineUnreachable(failed.reason.engine, `${failed.reason.message}${others}`);
		if (failed.reason instanceof UsageError) throw new UsageError(`${failed.reason.message}${others}`);
		throw failed.reason;
	}
	return settled.map((outcome) => (outcome as PromiseFulfilledResult<Engine>).value);
}

/** dockerode errors carry the HTTP status and the engine's JSON message. */
export function engineStatus(error: unknown): number | undefined {
	return (error as { statusCode?: number }).statusCode;
}

export function engineMessage(error: unknown): string {
	const json = (error as { json?: { message?: string } }).json;
	if (json && typeof json.message === 'string') return oneLine(json.message);
	const reason = (error as { reason?: string }).reason;
	const message = messageOf(error).replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '');
	return oneLine(reason && !message ? reason : message);
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The engine did not answer at all (socket gone, dockerd restarting), as opposed to refusing a request. */
export function isConnectionError(error: unknown): boolean {
	const code = (error as NodeJS.ErrnoException).code;
	if (code && CONNECTION_CODES.has(code)) return true;
	return /socket hang up|connect ECONNREFUSED|connect ENOENT/.test(messageOf(error));
}

/** Wait (bounded) until the engine answers a ping again; false when it did not within `ms`. */
export async function engineBack(docker: Docker, ms: number, intervalMs = 1_000): Promise<boolean> {
	const deadline = Date.now() + ms;
	for (let attempt = 0; Date.now() < deadline && attempt < Math.ceil(ms / intervalMs) + 1; attempt++) {
		try {
			await withTimeout(docker.ping(), Math.min(PING_TIMEOUT_MS, Math.max(1, deadline - Date.now())), 'the Docker engine');
			return true;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
		}
	}
	return false;
}
