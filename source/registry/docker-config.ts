// Registry credentials exactly where `docker login` left them, so the wizard needs
// no login of its own: config.json `auths`, a `credsStore`, or per-host `credHelpers`.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { DOCKER_HUB, normaliseRegistryHost } from './reference.js';

export type RegistryCredentials =
	| { username: string; password: string }
	| { identityToken: string; username?: string };

export interface DockerConfigOptions {
	/** Defaults to process.env (DOCKER_CONFIG). */
	env?: NodeJS.ProcessEnv;
	/** Defaults to os.homedir(). */
	homeDir?: string;
	/** Bound on each credential helper run; a helper waiting on a GUI must not hang us. */
	helperTimeoutMs?: number;
	/** Told about helpers that fail, since falling back to anonymous hides the cause. */
	warn?: (message: string) => void;
}

export class DockerConfigError extends Error {
	override readonly name = 'DockerConfigError';
}

interface AuthEntry {
	auth?: string;
	username?: string;
	password?: string;
	identitytoken?: string;
}

interface DockerConfigFile {
	auths?: Record<string, AuthEntry>;
	credsStore?: string;
	credHelpers?: Record<string, string>;
}

// The key Docker Hub credentials are stored under, by every docker client.
const HUB_SERVER_URL = 'https://index.docker.io/v1/';
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function dockerConfigPath(options: DockerConfigOptions = {}): string {
	const env = options.env ?? process.env;
	const dir = env.DOCKER_CONFIG && env.DOCKER_CONFIG.length > 0 ? env.DOCKER_CONFIG : join(options.homeDir ?? homedir(), '.docker');
	return join(dir, 'config.json');
}

/**
 * Credentials for one registry host, in Docker's order of precedence: a
 * `credHelpers` entry for the host, else `credsStore`, else the file's `auths`.
 * A helper that has nothing for the host falls through to `auths`.
 */
export async function lookupDockerCredentials(registry: string, options: DockerConfigOptions = {}): Promise<RegistryCredentials | undefined> {
	const config = await readDockerConfig(options);
	if (!config) return undefined;
	const host = normaliseRegistryHost(registry);

	const helper = findHelper(config, host) ?? config.credsStore;
	if (helper) {
		const fromHelper = await runCredentialHelper(helper, serverUrlFor(host), options);
		if (fromHelper) return fromHelper;
	}
	return fromAuths(config.auths, host);
}

async function readDockerConfig(options: DockerConfigOptions): Promise<DockerConfigFile | undefined> {
	const path = dockerConfigPath(options);
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw new DockerConfigError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read error'}`);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		// The file holds secrets: name it, never quote it.
		throw new DockerConfigError(`${path} is not valid JSON`);
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new DockerConfigError(`${path} is not a JSON object`);
	}
	return parsed as DockerConfigFile;
}

function findHelper(config: DockerConfigFile, host: string): string | undefined {
	for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
		if (registryKeyHost(key) === host && typeof helper === 'string' && helper.length > 0) return helper;
	}
	return undefined;
}

function fromAuths(auths: Record<string, AuthEntry> | undefined, host: string): RegistryCredentials | undefined {
	for (const [key, entry] of Object.entries(auths ?? {})) {
		if (registryKeyHost(key) !== host || entry === null || typeof entry !== 'object') continue;
		if (typeof entry.identitytoken === 'string' && entry.identitytoken.length > 0) {
			const username = decodeAuth(entry.auth)?.username ?? entry.username;
			return { identityToken: entry.identitytoken, ...(username ? { username } : {}) };
		}
		const decoded = decodeAuth(entry.auth);
		if (decoded) return decoded;
		if (typeof entry.username === 'string' && typeof entry.password === 'string') {
			return { username: entry.username, password: entry.password };
		}
	}
	return undefined;
}

function decodeAuth(auth: string | undefined): { username: string; password: string } | undefined {
	if (typeof auth !== 'string' || auth.length === 0) return undefined;
	const decoded = Buffer.from(auth, 'base64').toString('utf8');
	// Only the first colon separates: passwords may contain colons, user names may not.
	const colon = decoded.indexOf(':');
	if (colon <= 0) return undefined;
	return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `https://index.docker.io/v1/`, `host:5000`, `http://host:5000/v2/` all name a host. */
export function registryKeyHost(key: string): string {
	const withoutScheme = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
	const host = withoutScheme.split('/')[0] ?? '';
	return normaliseRegistryHost(host);
}

function serverUrlFor(host: string): string {
	return host === DOCKER_HUB ? HUB_SERVER_URL : host;
}

// Protocol of github.com/docker/docker-credential-helpers: `get` reads the server
// URL on stdin and prints {"ServerURL","Username","Secret"}; a Username of
// "<token>" marks the Secret as an identity token.
async function runCredentialHelper(helper: string, serverUrl: string, options: DockerConfigOptions): Promise<RegistryCredentials | undefined> {
	const warn = options.warn ?? (() => {});
	if (!HELPER_NAME.test(helper)) {
		warn(`ignoring credential helper with an unusable name ${JSON.stringify(helper)}`);
		return undefined;
	}
	const program = `docker-credential-${helper}`;
	// Its own process group, killed whole on timeout: a helper's child holding
	// stdout open would otherwise keep us waiting after the helper itself is gone.
	const subprocess = execa(program, ['get'], { input: serverUrl, reject: false, stripFinalNewline: true, detached: true, env: options.env });
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		if (subprocess.pid !== undefined) {
			try {
				process.kill(-subprocess.pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	}, options.helperTimeoutMs ?? 10_000);
	const result = await subprocess.finally(() => clearTimeout(timer));
	if (timedOut || result.failed || result.exitCode !== 0) {
		const said = `${result.stdout ?? ''} ${result.stderr ?? ''}`;
		if (!timedOut && /credentials not found/i.test(said)) return undefined;
		const cause = timedOut ? 'timed out' : result.code === 'ENOENT' ? 'not installed' : `exit code ${result.exitCode ?? '?'}`;
		warn(`credential helper ${program} failed for ${serverUrl} (${cause})`);
		return undefined;
	}
	let reply: { Username?: unknown; Secret?: unknown };
	try {
		reply = JSON.parse(result.stdout);
	} catch {
		warn(`credential helper ${program} printed something that is not JSON`);
		return undefined;
	}
	if (typeof reply.Secret !== 'string' || reply.Secret.length === 0) return undefined;
	if (reply.Username === '<token>') return { identityToken: reply.Secret };
	if (typeof reply.Username !== 'string') return undefined;
	return { username: reply.Username, password: reply.Secret };
}
