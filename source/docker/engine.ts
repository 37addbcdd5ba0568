import Docker from 'dockerode';
import { UsageError, messageOf, oneLine } from '../core/errors.js';

export interface Engine {
	docker: Docker;
	/** Where the engine was reached, for messages and the lock key (never holds credentials). */
	endpoint: string;
	apiVersion: string;
	engineVersion: string;
}

const PING_TIMEOUT_MS = 5_000;

export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): string {
	return env.DOCKER_HOST && env.DOCKER_HOST.length > 0 ? env.DOCKER_HOST : 'unix:///var/run/docker.sock';
}

/**
 * dockerode reads DOCKER_HOST (and the TLS variables) from process.env itself;
 * an explicit environment (the wizard session's) is honoured for the plain
 * unix:// and tcp:// forms, everything else falls back to dockerode's own parsing.
 */
function modemOptions(env: NodeJS.ProcessEnv): Docker.DockerOptions | undefined {
	if (env === process.env || env.DOCKER_HOST === process.env.DOCKER_HOST) return undefined;
	const host = env.DOCKER_HOST;
	if (!host) return { socketPath: '/var/run/docker.sock' };
	if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) || '/var/run/docker.sock' };
	const url = new URL(host.includes('://') ? host : `tcp://${host}`);
	if (url.protocol === 'tcp:' && env.DOCKER_TLS_VERIFY !== '1') return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
	return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The client for the engine named by DOCKER_HOST (else the default socket),
 * before any round trip: a caller may send its first request alongside the
 * version (the wizard's list does). Refusals are bad input (exit 2).
 */
export function engineClient(env: NodeJS.ProcessEnv = process.env): { docker: Docker; endpoint: string } {
	const endpoint = engineEndpoint(env);
	// dockerode's ssh transport needs ssh2 (native, optional), which the package
	// does not ship: say so in one line, with the way round it.
	if (/^ssh:\/\//i.test(endpoint)) {
		throw new UsageError(
			`DOCKER_HOST ${endpoint}: ssh:// engines are not supported; forward the engine's socket (ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock HOST) and set DOCKER_HOST=unix:///tmp/docker.sock`,
		);
	}
	try {
		return { docker: new Docker(modemOptions(env)), endpoint };
	} catch (error) {
		throw new UsageError(`invalid DOCKER_HOST ${endpoint}: ${oneLine(messageOf(error))}`);
	}
}

/**
 * Connect to the engine (engineClient's, or the one given) and ask its version.
 * Unreachable is bad input (exit 2): nothing has been touched.
 */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env, client = engineClient(env)): Promise<Engine> {
	const { docker, endpoint } = client;
	try {
		// One round trip: an engine that says its version is reachable (a ping first only added latency).
		const version = await withTimeout(docker.version(), PING_TIMEOUT_MS, `the Docker engine at ${endpoint}`);
		return { docker, endpoint, apiVersion: version.ApiVersion, engineVersion: version.Version };
	} catch (error) {
		const cause = (error as NodeJS.ErrnoException).code ?? oneLine(messageOf(error));
		throw new UsageError(
			`cannot reach the Docker engine at ${endpoint} (${cause}); start dockerd or point DOCKER_HOST at a running engine`,
		);
	}
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
