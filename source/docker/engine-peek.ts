import { request } from 'node:http';
import type { ContainerInfo } from 'dockerode';
import type { EngineTarget } from './engine-resolve.js';

// The wizard's first frame needs two answers of each engine: its version and
// its container list. Over a local socket (or plain tcp) those are two GETs,
// asked here with node:http, so that dockerode and what it loads (docker-modem,
// readable-stream, debug: near a third of the code loaded before the frame) are
// loaded after the frame, for everything else. TLS and ssh engines are asked
// through dockerode as before: their setup is dockerode's (engine.ts).

/** An engine silent this long is given up here (dockerode asks it again after the frame): connect's timeout. */
const IDLE_TIMEOUT_MS = 5_000;

/** What an engine's GET /version says that a connection keeps. */
export interface EngineVersion {
	ApiVersion: string;
	Version: string;
}

/** The two calls, shaped as dockerode's so that the same code reads either. */
export interface EnginePeek {
	version(): Promise<EngineVersion>;
	listContainers(options: { all: boolean }): Promise<ContainerInfo[]>;
}

/** The answer the engine sends for a bad request or a server error, as a status-carrying Error (like dockerode's). */
function statusError(path: string, statusCode: number, body: string): Error {
	let message = body.trim();
	try {
		const json = JSON.parse(body) as { message?: unknown };
		if (typeof json.message === 'string') message = json.message;
	} catch {
		// not JSON: the body as it came
	}
	return Object.assign(new Error(`GET ${path}: HTTP ${statusCode}${message ? `: ${message}` : ''}`), { statusCode });
}

function getJson<T>(target: EngineTarget, path: string): Promise<T> {
	const transport = target.transport;
	const where = transport.kind === 'socket' ? { socketPath: transport.path } : transport.kind === 'tcp' ? { host: transport.host, port: transport.port } : undefined;
	if (!where) return Promise.reject(new Error(`${target.endpoint}: not asked over node:http`));
	return new Promise<T>((resolve, reject) => {
		// The request line names no API version, as dockerode's do not: the engine answers in its own.
		const sent = request({ ...where, path, method: 'GET', headers: { host: 'docker' } }, (response) => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('error', reject);
			response.on('end', () => {
				const body = Buffer.concat(chunks).toString('utf8');
				if (response.statusCode !== 200) {
					reject(statusError(path, response.statusCode ?? 0, body));
					return;
				}
				try {
					resolve(JSON.parse(body) as T);
				} catch (error) {
					reject(error);
				}
			});
		});
		sent.on('error', reject);
		sent.setTimeout(IDLE_TIMEOUT_MS, () => sent.destroy(new Error(`GET ${path}: no answer within ${IDLE_TIMEOUT_MS / 1000} s`)));
		sent.end();
	});
}

/** A peek for the engine, or undefined when only dockerode reaches it (TLS, ssh). */
export function enginePeek(target: EngineTarget): EnginePeek | undefined {
	if (target.transport.kind === 'ssh' || (target.transport.kind === 'tcp' && target.tls)) return undefined;
	return {
		version: () => getJson<EngineVersion>(target, '/version'),
		listContainers: ({ all }) => getJson<ContainerInfo[]>(target, `/containers/json?all=${all}`),
	};
}
