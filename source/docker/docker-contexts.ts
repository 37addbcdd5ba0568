import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError, messageOf, oneLine } from '../core/errors.js';

// The docker CLI's own context store, read as the CLI writes it, so a context
// made with `docker context create` (rootless Docker, Docker Desktop on Linux,
// a remote host) is found without copying anything:
//   $DOCKER_CONFIG/contexts/meta/<sha256 hex of the name>/meta.json
//   $DOCKER_CONFIG/contexts/tls/<sha256 hex of the name>/docker/{ca,cert,key}.pem

/** The context that is not stored: DOCKER_HOST, else the default socket. */
export const DEFAULT_CONTEXT = 'default';

/** TLS material as paths (read when the client is made; never logged). */
export interface TlsFiles {
	ca?: string;
	cert?: string;
	key?: string;
	/** false: encrypt, but do not check the engine's certificate (the context's SkipTLSVerify). */
	verify: boolean;
}

export interface StoredContext {
	name: string;
	host: string;
	tls?: TlsFiles;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
	if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG;
	return join(env.HOME || homedir(), '.docker');
}

/** The store's directory name for a context: the CLI uses the sha256 digest of the name, in hex. */
export function contextDirName(name: string): string {
	return createHash('sha256').update(name).digest('hex');
}

function readJson(path: string, what: string): unknown {
	try {
		return JSON.parse(readFileSync(path, 'utf8'));
	} catch (error) {
		throw new UsageError(`${what} ${path} cannot be read: ${oneLine(messageOf(error))}`);
	}
}

/** `currentContext` of $DOCKER_CONFIG/config.json; no file (or no key) is no context. */
export function currentContext(env: NodeJS.ProcessEnv): string | undefined {
	const path = join(dockerConfigDir(env), 'config.json');
	if (!existsSync(path)) return undefined;
	const config = readJson(path, 'the docker config') as { currentContext?: unknown } | null;
	const name = config?.currentContext;
	return typeof name === 'string' && name.length > 0 ? name : undefined;
}

interface MetaFile {
	Name?: unknown;
	Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
}

/**
 * A stored context's docker endpoint, or a UsageError naming it (exit 2): the
 * CLI refuses an unknown context too, rather than guessing an engine.
 */
export function readContext(name: string, env: NodeJS.ProcessEnv, via: string): StoredContext {
	const root = join(dockerConfigDir(env), 'contexts');
	const id = contextDirName(name);
	const metaPath = join(root, 'meta', id, 'meta.json');
	if (!existsSync(metaPath)) {
		throw new UsageError(`docker context "${name}" (${via}) not found in ${root}: \`docker context ls\` lists the contexts`);
	}
	const meta = readJson(metaPath, `docker context "${name}":`) as MetaFile | null;
	const endpoint = meta?.Endpoints?.docker;
	if (typeof endpoint?.Host !== 'string' || endpoint.Host.length === 0) {
		throw new UsageError(`docker context "${name}" has no docker endpoint (${metaPath})`);
	}
	return { name, host: endpoint.Host, tls: contextTls(join(root, 'tls', id, 'docker'), endpoint.SkipTLSVerify === true) };
}

/** The CLI uses whichever of the three files the context has; none is plain TCP. */
function contextTls(dir: string, skipVerify: boolean): TlsFiles | undefined {
	const file = (base: string) => (existsSync(join(dir, base)) ? join(dir, base) : undefined);
	const files = { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem') };
	if (!files.ca && !files.cert && !files.key) return skipVerify ? { verify: false } : undefined;
	return { ...files, verify: !skipVerify };
}

/**
 * DOCKER_TLS_VERIFY (any non-empty value, as the CLI reads it) with the files of
 * DOCKER_CERT_PATH, which defaults to the docker config directory.
 */
export function environmentTls(env: NodeJS.ProcessEnv): TlsFiles | undefined {
	if (!env.DOCKER_TLS_VERIFY) return undefined;
	const dir = env.DOCKER_CERT_PATH || dockerConfigDir(env);
	const file = (base: string) => (existsSync(join(dir, base)) ? join(dir, base) : undefined);
	return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify: true };
}
