// Registry HTTP API v2 (distribution spec) with just what choosing a target needs:
// tags, the manifest for this platform, and the config blob's labels — all
// without pulling. Auth follows the registry's own challenge, anonymously first.

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { lookupDockerCredentials, type RegistryCredentials } from './docker-config.js';
import { RegistryError, type RegistryErrorDetails } from './errors.js';
import { parseImageConfig, type ImageConfig } from './image-config.js';
import { nextLink } from './link-header.js';
import { isImageManifestMediaType, isIndexMediaType, MANIFEST_ACCEPT, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { formatPlatform, hostPlatform, pickPlatform, type Platform, type PlatformEntry } from './platform.js';
import { DOCKER_HUB, isLoopbackRegistry, parseImageReference, type ImageReference } from './reference.js';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';

export interface RegistryClientOptions {
	/** Where credentials come from; defaults to the operator's docker config.json. */
	credentials?: (registry: string) => Promise<RegistryCredentials | undefined>;
	/** Environment for the default credentials lookup (DOCKER_CONFIG, PATH for helpers). */
	env?: NodeJS.ProcessEnv;
	/** Per HTTP request, body included. */
	timeoutMs?: number;
	/** Attempts per request while the registry answers 429. */
	maxTries?: number;
	/** Total time spent waiting on Retry-After for one request. */
	maxRetryWaitMs?: number;
	/** Tag list pages followed before giving up; a registry that never ends must not hang us. */
	maxPages?: number;
	/** Which registries speak plain HTTP; defaults to loopback ones. */
	plainHttp?: (registry: string) => boolean;
	fetch?: typeof fetch;
}

export interface Descriptor {
	mediaType: string;
	digest: string;
	size: number;
}

export interface ImageManifest {
	reference: ImageReference;
	/** Digest of the platform-specific image manifest. */
	digest: string;
	mediaType: string;
	/** Digest of the manifest list / OCI index it was picked from, if any. */
	indexDigest?: string;
	platform?: Platform;
	config: Descriptor;
	layers: Descriptor[];
	raw: unknown;
}

interface Target {
	registry: string;
	repository: string;
	reference?: string;
}

interface FetchedManifest {
	digest: string;
	mediaType: string;
	json: Record<string, unknown>;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024; // the limit distribution itself enforces
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_TAG_PAGE_BYTES = 16 * 1024 * 1024;
const USER_AGENT = 'upgrade-wizard';

export class RegistryClient {
	private readonly options: Required<Omit<RegistryClientOptions, 'fetch' | 'env'>> & { fetch: typeof fetch };
	private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
	private readonly basicRegistries = new Set<string>();
	private readonly credentialLookups = new Map<string, Promise<RegistryCredentials | undefined>>();
	private readonly secrets = new Set<string>();

	constructor(options: RegistryClientOptions = {}) {
		this.options = {
			credentials: options.credentials ?? ((registry) => lookupDockerCredentials(registry, { env: options.env })),
			timeoutMs: options.timeoutMs ?? 15_000,
			maxTries: Math.max(1, options.maxTries ?? 3),
			maxRetryWaitMs: options.maxRetryWaitMs ?? 30_000,
			maxPages: options.maxPages ?? 100,
			plainHttp: options.plainHttp ?? isLoopbackRegistry,
			fetch: options.fetch ?? globalThis.fetch,
		};
	}

	/** Every tag of the repository, in the registry's order, following `Link: rel="next"`. */
	async listTags(repo: string | ImageReference, { pageSize }: { pageSize?: number } = {}): Promise<string[]> {
		const ref = toReference(repo);
		const target: Target = { registry: ref.registry, repository: ref.repository };
		const base = this.baseUrl(ref.registry);
		let url: URL | undefined = new URL(`/v2/${ref.repository}/tags/list`, base);
		if (pageSize !== undefined) url.searchParams.set('n', String(pageSize));

		const tags: string[] = [];
		const visited = new Set<string>();
		while (url) {
			if (visited.size >= this.options.maxPages) {
				throw this.error('protocol', target, `tag list has more than ${this.options.maxPages} pages`);
			}
			if (visited.has(url.href)) throw this.error('protocol', target, 'tag list pagination loops back on itself');
			visited.add(url.href);

			const response = await this.request(target, url, { accept: 'application/json' });
			if (!response.ok) throw await this.failure(target, response, 'repository');
			const body = await this.readJson(target, response, MAX_TAG_PAGE_BYTES, 'tag list');
			const page = (body as { tags?: unknown }).tags;
			if (page !== null && page !== undefined && !Array.isArray(page)) throw this.error('protocol', target, 'tag list is not an array');
			for (const tag of page ?? []) if (typeof tag === 'string') tags.push(tag);

			url = nextLink(response.headers.get('link'), url.href);
			// Credentials go only where they were asked for: never follow a link off the registry.
			if (url && url.origin !== new URL(base).origin) throw this.error('protocol', target, `tag list pagination points to another host (${url.host})`);
		}
		return [...new Set(tags)];
	}

	/**
	 * The image manifest this platform would run. Manifest lists and OCI indexes
	 * are resolved to the entry matching the platform.
	 */
	async getManifest(ref: string | ImageReference, platform: Platform = hostPlatform()): Promise<ImageManifest> {
		const reference = toReference(ref);
		const target = targetOf(reference);
		const top = await this.fetchManifest(target, target.reference!);

		let manifest = top;
		let picked: PlatformEntry | undefined;
		if (isIndexMediaType(top.mediaType)) {
			const entries = Array.isArray(top.json.manifests) ? (top.json.manifests as PlatformEntry[]).filter((entry) => entry && typeof entry.digest === 'string') : [];
			picked = pickPlatform(entries, platform);
			if (!picked) {
				const offered = entries
					.map((entry) => entry.platform)
					.filter((p): p is Platform => !!p?.os && !!p.architecture && p.os !== 'unknown')
					.map(formatPlatform);
				throw this.error('not-found', target, `no image for ${formatPlatform(platform)} (offers ${offered.join(', ') || 'no platforms'})`);
			}
			manifest = await this.fetchManifest({ ...target, reference: picked.digest }, picked.digest);
			if (!isImageManifestMediaType(manifest.mediaType)) {
				throw this.error('protocol', target, `index entry for ${formatPlatform(platform)} is ${manifest.mediaType}, not an image manifest`);
			}
		} else if (!isImageManifestMediaType(top.mediaType)) {
			throw this.error('protocol', target, `unsupported manifest media type ${top.mediaType}`);
		}

		const config = descriptor(manifest.json.config);
		if (!config) throw this.error('protocol', target, 'manifest has no config descriptor');
		const layers = Array.isArray(manifest.json.layers) ? manifest.json.layers.map(descriptor).filter((d): d is Descriptor => !!d) : [];
		return {
			reference,
			digest: manifest.digest,
			mediaType: manifest.mediaType,
			indexDigest: manifest === top ? undefined : top.digest,
			platform: picked?.platform?.os && picked.platform.architecture ? (picked.platform as Platform) : undefined,
			config,
			layers,
			raw: manifest.json,
		};
	}

	/** The image's config blob (labels, env, cmd…), read without pulling any layer. */
	async getImageConfig(ref: string | ImageReference, platform: Platform = hostPlatform()): Promise<ImageConfig> {
		const manifest = await this.getManifest(ref, platform);
		const target = targetOf(manifest.reference);
		const url = new URL(`/v2/${target.repository}/blobs/${manifest.config.digest}`, this.baseUrl(target.registry));
		const response = await this.request(target, url, { accept: manifest.config.mediaType || 'application/json' });
		if (!response.ok) throw await this.failure(target, response, 'config blob');
		const bytes = await this.readBytes(target, response, MAX_CONFIG_BYTES, 'config blob');
		this.verifyDigest(target, bytes, manifest.config.digest, 'config blob');
		let raw: unknown;
		try {
			raw = JSON.parse(bytes.toString('utf8'));
		} catch {
			throw this.error('protocol', target, 'config blob is not JSON');
		}
		return parseImageConfig(raw, manifest.config.digest, manifest.digest);
	}

	/** Whether the tag (or digest) has a manifest; a HEAD, so nothing is downloaded. */
	async tagExists(ref: string | ImageReference): Promise<boolean> {
		const target = targetOf(toReference(ref));
		const url = new URL(`/v2/${target.repository}/manifests/${target.reference}`, this.baseUrl(target.registry));
		const response = await this.request(target, url, { method: 'HEAD', accept: MANIFEST_ACCEPT });
		if (response.ok) return true;
		if (response.status === 404) return false;
		throw await this.failure(target, response, 'manifest');
	}

	private async fetchManifest(target: Target, reference: string): Promise<FetchedManifest> {
		const url = new URL(`/v2/${target.repository}/manifests/${reference}`, this.baseUrl(target.registry));
		const response = await this.request(target, url, { accept: MANIFEST_ACCEPT });
		if (!response.ok) throw await this.failure(target, response, 'manifest');
		const bytes = await this.readBytes(target, response, MAX_MANIFEST_BYTES, 'manifest');

		let json: Record<string, unknown>;
		try {
			json = JSON.parse(bytes.toString('utf8'));
		} catch {
			throw this.error('protocol', target, 'manifest is not JSON');
		}
		if (json === null || typeof json !== 'object') throw this.error('protocol', target, 'manifest is not a JSON object');

		const computed = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
		if (reference.includes(':')) this.verifyDigest(target, bytes, reference, 'manifest');
		const announced = response.headers.get('docker-content-digest');
		if (announced?.startsWith('sha256:') && announced !== computed) {
			throw this.error('protocol', target, `manifest digest mismatch (registry says ${announced}, content is ${computed})`);
		}
		const digest = reference.includes(':') ? reference : computed;
		return { digest, mediaType: manifestMediaType(response, json), json };
	}

	/**
	 * One registry request with auth: anonymous (or with what we already hold)
	 * first; on 401 follow the challenge once, then give up as unauthorized.
	 */
	private async request(target: Target, url: URL, { method = 'GET', accept }: { method?: string; accept: string }): Promise<Response> {
		const scope = `repository:${target.repository}:pull`;
		let challenged = false;
		for (;;) {
			const headers: Record<string, string> = { accept, 'user-agent': USER_AGENT };
			const authorization = await this.authorizationFor(target.registry, scope);
			if (authorization) headers.authorization = authorization;
			const response = await this.send(target, url, { method, headers });
			if (response.status !== 401) return response;
			await discard(response);
			if (challenged) throw await this.rejected(target, 'access denied');
			await this.authenticate(target, scope, response.headers.get('www-authenticate'));
			challenged = true;
		}
	}

	private async authorizationFor(registry: string, scope: string): Promise<string | undefined> {
		if (this.basicRegistries.has(registry)) {
			const credentials = await this.credentialsFor({ registry }, registry);
			if (credentials && 'password' in credentials) return basicHeader(credentials);
		}
		const cached = this.tokens.get(`${registry}|${scope}`);
		if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
		return undefined;
	}

	private async authenticate(target: Target, scope: string, header: string | null): Promise<void> {
		const challenges = header ? parseWwwAuthenticate(header) : [];
		const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
		if (bearer) {
			const { token, expiresIn } = await this.fetchToken(target, bearer, scope);
			this.secrets.add(token);
			// Renew a little early so a token never expires between check and use.
			this.tokens.set(`${target.registry}|${scope}`, { token, expiresAt: Date.now() + Math.max(10, expiresIn - 10) * 1000 });
			return;
		}
		if (challenges.some((c) => c.scheme === 'basic')) {
			const credentials = await this.credentialsFor(target, target.registry);
			if (!credentials) throw await this.rejected(target, 'credentials required');
			if (!('password' in credentials)) throw this.error('unauthorized', target, 'registry wants a password but docker config only has an identity token', 401);
			this.basicRegistries.add(target.registry);
			return;
		}
		throw this.error('unauthorized', target, `unsupported authentication challenge (${challenges.map((c) => c.scheme).join(', ') || 'none given'})`, 401);
	}

	// Token protocol of distribution's auth spec: GET realm?service&scope with Basic
	// credentials, or the OAuth2 refresh-token POST when only an identity token is held.
	private async fetchToken(target: Target, challenge: AuthChallenge, scope: string): Promise<{ token: string; expiresIn: number }> {
		let realm: URL;
		try {
			realm = new URL(challenge.params.realm);
		} catch {
			throw this.error('protocol', target, 'authentication challenge has an invalid realm');
		}
		const credentials = await this.credentialsFor(target, target.registry);
		if (credentials && realm.protocol !== 'https:' && !isLoopbackRegistry(realm.host)) {
			throw this.error('unauthorized', target, `token service ${realm.host} is not HTTPS; refusing to send credentials`, 401);
		}
		const wantedScope = challenge.params.scope ?? scope;
		const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
		let response: Response;
		if (credentials && 'identityToken' in credentials) {
			const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: USER_AGENT, scope: wantedScope });
			if (challenge.params.service) form.set('service', challenge.params.service);
			headers['content-type'] = 'application/x-www-form-urlencoded';
			response = await this.send(target, realm, { method: 'POST', headers, body: form.toString() });
		} else {
			const url = new URL(realm);
			if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
			url.searchParams.set('scope', wantedScope);
			if (credentials) {
				url.searchParams.set('account', credentials.username);
				headers.authorization = basicHeader(credentials);
			}
			response = await this.send(target, url, { method: 'GET', headers });
		}
		if (response.status === 401 || response.status === 403) {
			await discard(response);
			throw await this.rejected(target, `token service ${realm.host} refused`);
		}
		if (!response.ok) throw await this.failure(target, response, 'token');
		const body = (await this.readJson(target, response, 1024 * 1024, 'token response')) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
		const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
		if (!token) throw this.error('protocol', target, `token service ${realm.host} returned no token`);
		return { token, expiresIn: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60 };
	}

	/** fetch with a timeout, network failures as 'unreachable', and bounded 429 retries. */
	private async send(target: Target, url: URL, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
		let waited = 0;
		for (let attempt = 1; ; attempt++) {
			let response: Response;
			try {
				response = await this.options.fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs) });
			} catch (error) {
				throw this.error('unreachable', target, `cannot reach ${url.host} (${networkCause(error, this.options.timeoutMs)})`);
			}
			if (response.status !== 429) return response;

			await discard(response);
			const wait = retryAfterMs(response.headers.get('retry-after')) ?? 1000 * 2 ** (attempt - 1);
			if (attempt >= this.options.maxTries || waited + wait > this.options.maxRetryWaitMs) {
				const after = retryAfterMs(response.headers.get('retry-after'));
				throw this.error('rate-limited', target, `rate limited by ${url.host} (HTTP 429) after ${attempt} ${attempt === 1 ? 'try' : 'tries'}${after !== undefined ? `; it asks to retry in ${Math.ceil(after / 1000)} s` : ''}`, 429);
			}
			await sleep(wait);
			waited += wait;
		}
	}

	private credentialsFor(target: Partial<Target> & { registry: string }, registry: string): Promise<RegistryCredentials | undefined> {
		let lookup = this.credentialLookups.get(registry);
		if (!lookup) {
			lookup = this.options.credentials(registry).then(
				(credentials) => {
					if (credentials && 'password' in credentials) {
						this.secrets.add(credentials.password);
						this.secrets.add(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));
					}
					if (credentials && 'identityToken' in credentials) this.secrets.add(credentials.identityToken);
					return credentials;
				},
				(error: unknown) => {
					throw this.error('unauthorized', target, `cannot read credentials: ${error instanceof Error ? error.message : String(error)}`);
				},
			);
			this.credentialLookups.set(registry, lookup);
		}
		return lookup;
	}

	private async rejected(target: Target, what: string): Promise<RegistryError> {
		const credentials = await this.credentialsFor(target, target.registry).catch(() => undefined);
		const cause = credentials
			? `${what}: the credentials for ${target.registry} from docker config were rejected`
			: `${what}: no credentials for ${target.registry} in docker config (run: docker login ${target.registry})`;
		return this.error('unauthorized', target, cause, 401);
	}

	private async failure(target: Target, response: Response, what: 'repository' | 'manifest' | 'config blob' | 'token'): Promise<RegistryError> {
		const code = await errorCode(response);
		const status = response.status;
		const suffix = `(HTTP ${status}${code ? ` ${code}` : ''})`;
		if (status === 404) {
			const thing = code === 'NAME_UNKNOWN' || what === 'repository' ? 'repository not found' : what === 'manifest' ? (target.reference?.includes(':') ? 'digest not found' : 'tag not found') : `${what} not found`;
			return this.error('not-found', target, `${thing} ${suffix}`, status);
		}
		if (status === 401 || status === 403) return this.error('unauthorized', target, `access denied ${suffix}`, status);
		if (status >= 500) return this.error('unreachable', target, `registry failed to answer ${suffix}`, status);
		return this.error('protocol', target, `unexpected answer for ${what} ${suffix}`, status);
	}

	private async readBytes(target: Target, response: Response, limit: number, what: string): Promise<Buffer> {
		const length = Number(response.headers.get('content-length'));
		if (Number.isFinite(length) && length > limit) {
			await discard(response);
			throw this.error('protocol', target, `${what} is larger than ${limit} bytes`);
		}
		let bytes: Buffer;
		try {
			bytes = Buffer.from(await response.arrayBuffer());
		} catch (error) {
			throw this.error('unreachable', target, `${what} download failed (${networkCause(error, this.options.timeoutMs)})`);
		}
		if (bytes.length > limit) throw this.error('protocol', target, `${what} is larger than ${limit} bytes`);
		return bytes;
	}

	private async readJson(target: Target, response: Response, limit: number, what: string): Promise<Record<string, unknown>> {
		const bytes = await this.readBytes(target, response, limit, what);
		try {
			const value = JSON.parse(bytes.toString('utf8'));
			if (value !== null && typeof value === 'object') return value;
		} catch {
			// fall through to the protocol error
		}
		throw this.error('protocol', target, `${what} is not a JSON object`);
	}

	private verifyDigest(target: Target, bytes: Buffer, digest: string, what: string): void {
		const [algorithm, hex] = digest.split(':');
		if (algorithm !== 'sha256' && algorithm !== 'sha512') return;
		const actual = createHash(algorithm).update(bytes).digest('hex');
		if (actual !== hex) throw this.error('protocol', target, `${what} content does not match its digest ${digest}`);
	}

	private baseUrl(registry: string): string {
		// Docker Hub's API lives on another host than its name.
		const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
		return `${this.options.plainHttp(registry) ? 'http' : 'https'}://${host}`;
	}

	private error(kind: RegistryError['kind'], target: Partial<Target> & { registry: string }, cause: string, status?: number): RegistryError {
		const details: RegistryErrorDetails = { registry: target.registry, repository: target.repository, reference: target.reference, status };
		return new RegistryError(kind, details, cause, [...this.secrets]);
	}
}

function toReference(ref: string | ImageReference): ImageReference {
	return typeof ref === 'string' ? parseImageReference(ref) : ref;
}

function targetOf(ref: ImageReference): Target {
	// `docker pull` semantics: no tag and no digest means latest.
	return { registry: ref.registry, repository: ref.repository, reference: ref.digest ?? ref.tag ?? 'latest' };
}

function descriptor(value: unknown): Descriptor | undefined {
	if (value === null || typeof value !== 'object') return undefined;
	const { mediaType, digest, size } = value as Record<string, unknown>;
	if (typeof digest !== 'string') return undefined;
	return { mediaType: typeof mediaType === 'string' ? mediaType : '', digest, size: typeof size === 'number' ? size : 0 };
}

function manifestMediaType(response: Response, json: Record<string, unknown>): string {
	const header = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (header && header !== 'application/json' && header !== 'text/plain' && header !== 'application/octet-stream') return header;
	if (typeof json.mediaType === 'string') return json.mediaType;
	// OCI allows mediaType to be absent; the shape still tells.
	if (Array.isArray(json.manifests)) return OCI_INDEX;
	if (json.config) return OCI_MANIFEST;
	return header || 'unknown';
}

function basicHeader(credentials: { username: string; password: string }): string {
	return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Retry-After as delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
	if (!header) return undefined;
	const trimmed = header.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
	const date = Date.parse(trimmed);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function errorCode(response: Response): Promise<string | undefined> {
	if (response.bodyUsed || !response.body) return undefined;
	try {
		const text = (await response.text()).slice(0, 64 * 1024);
		const errors = (JSON.parse(text) as { errors?: Array<{ code?: unknown }> }).errors;
		const code = errors?.[0]?.code;
		return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : undefined;
	} catch {
		return undefined;
	}
}

function networkCause(error: unknown, timeoutMs: number): string {
	if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
	const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
	if (cause && typeof cause.code === 'string') return cause.code;
	if (cause && typeof cause.message === 'string') return cause.message;
	return error instanceof Error ? error.message : 'network error';
}

async function discard(response: Response): Promise<void> {
	try {
		await response.body?.cancel();
	} catch {
		// nothing to free
	}
}
