import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient, retryAfterMs } from '../../source/registry/client.js';
import { RegistryError } from '../../source/registry/errors.js';
import { hostPlatform } from '../../source/registry/platform.js';

// A small fake of the distribution API: enough routes and auth behaviour to drive
// the client through every branch. The real registry is exercised by the
// integration test.

const USER = 'operator';
const PASSWORD = 'hunter2-Sup3rSecret';
const TOKEN = 'fake-bearer-token-0123456789';

interface Stored {
	body: Buffer;
	mediaType: string;
}

interface FakeOptions {
	auth?: 'none' | 'bearer' | 'basic';
	/** Reply 429 to this many requests first, with this Retry-After (omitted when undefined). */
	rateLimit?: { count: number; retryAfter?: string };
	/** Override a route: return true when handled. */
	intercept?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

interface Fake {
	host: string;
	requests: string[];
	tokenRequests: Array<{ authorization?: string; query: string }>;
	digests: Record<string, string>;
	close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function digestOf(body: Buffer): string {
	return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function json(value: unknown): Buffer {
	return Buffer.from(JSON.stringify(value));
}

function buildContent() {
	const blobs = new Map<string, Buffer>();
	const manifests = new Map<string, Stored>(); // by digest
	const tags = new Map<string, string>(); // tag -> digest
	const digests: Record<string, string> = {};

	const image = (name: string, architecture: string, labels: Record<string, string>, mediaType = 'application/vnd.docker.distribution.manifest.v2+json') => {
		const config = json({ architecture, os: 'linux', config: { Labels: labels, Env: ['PATH=/bin', 'APP=1'], Cmd: ['serve'], Entrypoint: ['/app'], ExposedPorts: { '8080/tcp': {} } } });
		blobs.set(digestOf(config), config);
		const layer = Buffer.from(`layer of ${name}`);
		blobs.set(digestOf(layer), layer);
		const manifest = json({
			schemaVersion: 2,
			mediaType,
			config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: digestOf(config), size: config.length },
			layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digestOf(layer), size: layer.length }],
		});
		manifests.set(digestOf(manifest), { body: manifest, mediaType });
		digests[name] = digestOf(manifest);
		return { digest: digestOf(manifest), size: manifest.length, mediaType };
	};

	const amd64 = image('amd64', 'amd64', { 'org.opencontainers.image.version': '1.2.0', arch: 'amd64' });
	const arm64 = image('arm64', 'arm64', { 'org.opencontainers.image.version': '1.2.0', arch: 'arm64' }, 'application/vnd.oci.image.manifest.v1+json');
	const index = json({
		schemaVersion: 2,
		mediaType: 'application/vnd.oci.image.index.v1+json',
		manifests: [
			{ ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
			{ ...arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
			{ ...amd64, digest: digestOf(Buffer.from('attestation')), platform: { os: 'unknown', architecture: 'unknown' } },
		],
	});
	manifests.set(digestOf(index), { body: index, mediaType: 'application/vnd.oci.image.index.v1+json' });
	digests.index = digestOf(index);
	tags.set('1.2.0', digestOf(index));
	tags.set('1.1.0', image('single', 'amd64', { 'org.opencontainers.image.version': '1.1.0' }).digest);
	for (let i = 0; i < 25; i++) tags.set(`p-${String(i).padStart(2, '0')}`, digests.single);
	return { blobs, manifests, tags, digests };
}

async function startFake(options: FakeOptions = {}): Promise<Fake> {
	const { blobs, manifests, tags, digests } = buildContent();
	const requests: string[] = [];
	const tokenRequests: Fake['tokenRequests'] = [];
	let limited = 0;
	let host = '';

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', `http://${host}`);
		requests.push(`${req.method} ${url.pathname}${url.search}`);
		if (options.intercept?.(req, res, url)) return;

		if (options.rateLimit && limited < options.rateLimit.count) {
			limited++;
			res.writeHead(429, options.rateLimit.retryAfter !== undefined ? { 'retry-after': options.rateLimit.retryAfter } : {});
			res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS' }] }));
			return;
		}

		if (url.pathname === '/token') {
			tokenRequests.push({ authorization: req.headers.authorization, query: url.search });
			if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) {
				// A careless server echoing what it got must still not leak it through us.
				res.writeHead(401, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ details: `bad credentials ${req.headers.authorization ?? ''} ${PASSWORD}` }));
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
			return;
		}

		const repoMatch = /^\/v2\/(.+?)\/(tags\/list|manifests\/[^/]+|blobs\/[^/]+)$/.exec(url.pathname);
		const repo = repoMatch?.[1];
		if (options.auth === 'bearer' && req.headers.authorization !== `Bearer ${TOKEN}`) {
			res.writeHead(401, {
				'content-type': 'application/json',
				'www-authenticate': `Bearer realm="http://${host}/token",service="fake-registry",scope="repository:${repo ?? 'x'}:pull"`,
			});
			res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
			return;
		}
		if (options.auth === 'basic' && req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) {
			res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="fake-registry"' });
			res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED' }] }));
			return;
		}

		const notFound = (code: string) => {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ errors: [{ code, message: 'not here' }] }));
		};
		if (!repoMatch) return notFound('UNSUPPORTED');
		if (repo !== 'acme/app') return notFound('NAME_UNKNOWN');
		const what = repoMatch[2];

		if (what === 'tags/list') {
			const all = [...tags.keys()].sort();
			const n = url.searchParams.has('n') ? Number(url.searchParams.get('n')) : all.length;
			const last = url.searchParams.get('last');
			const start = last ? all.findIndex((t) => t > last) : 0;
			const page = start === -1 ? [] : all.slice(start, start + n);
			const headers: Record<string, string> = { 'content-type': 'application/json' };
			if (start !== -1 && start + n < all.length) headers.link = `</v2/${repo}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`;
			res.writeHead(200, headers);
			res.end(JSON.stringify({ name: repo, tags: page }));
			return;
		}
		if (what.startsWith('manifests/')) {
			const reference = decodeURIComponent(what.slice('manifests/'.length));
			const digest = reference.includes(':') ? reference : tags.get(reference);
			const stored = digest ? manifests.get(digest) : undefined;
			if (!stored || !digest) return notFound('MANIFEST_UNKNOWN');
			res.writeHead(200, { 'content-type': stored.mediaType, 'docker-content-digest': digest, 'content-length': String(stored.body.length) });
			res.end(req.method === 'HEAD' ? undefined : stored.body);
			return;
		}
		const blob = blobs.get(decodeURIComponent(what.slice('blobs/'.length)));
		if (!blob) return notFound('BLOB_UNKNOWN');
		res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) });
		res.end(blob);
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { host, requests, tokenRequests, digests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const withCredentials = (password = PASSWORD) => new RegistryClient({ credentials: async () => ({ username: USER, password }) });
const anonymous = () => new RegistryClient({ credentials: async () => undefined });

async function caught(promise: Promise<unknown>): Promise<RegistryError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(RegistryError);
		expect((error as Error).message).not.toMatch(/\n/);
		return error as RegistryError;
	}
	throw new Error('expected a RegistryError');
}

describe('RegistryClient without auth', () => {
	it('lists every tag across Link pages, one request per page', async () => {
		const fake = await startFake();
		const tags = await anonymous().listTags(`${fake.host}/acme/app`, { pageSize: 10 });
		expect(tags).toHaveLength(27);
		expect(tags).toContain('1.2.0');
		expect(tags).toContain('p-24');
		expect(fake.requests.filter((r) => r.includes('/tags/list'))).toEqual([
			'GET /v2/acme/app/tags/list?n=10',
			'GET /v2/acme/app/tags/list?n=10&last=p-07',
			'GET /v2/acme/app/tags/list?n=10&last=p-17',
		]);
	});

	it('lists in one request without a page size', async () => {
		const fake = await startFake();
		expect(await anonymous().listTags(`${fake.host}/acme/app`)).toHaveLength(27);
		expect(fake.requests).toHaveLength(1);
	});

	it('stops a pagination that loops, and one that would leave the registry', async () => {
		const looping = await startFake({
			intercept: (req, res, url) => {
				if (!url.pathname.endsWith('/tags/list')) return false;
				res.writeHead(200, { 'content-type': 'application/json', link: '</v2/acme/app/tags/list?n=1&last=a>; rel="next"' });
				res.end(JSON.stringify({ tags: ['a'] }));
				return true;
			},
		});
		expect((await caught(anonymous().listTags(`${looping.host}/acme/app`))).kind).toBe('protocol');

		const leaving = await startFake({
			intercept: (req, res, url) => {
				if (!url.pathname.endsWith('/tags/list')) return false;
				res.writeHead(200, { 'content-type': 'application/json', link: '<https://elsewhere.example/v2/acme/app/tags/list?last=a>; rel="next"' });
				res.end(JSON.stringify({ tags: ['a'] }));
				return true;
			},
		});
		const error = await caught(anonymous().listTags(`${leaving.host}/acme/app`));
		expect(error.kind).toBe('protocol');
		expect(error.message).toMatch(/another host \(elsewhere\.example\)/);
	});

	it('bounds the number of pages', async () => {
		let page = 0;
		const endless = await startFake({
			intercept: (req, res, url) => {
				if (!url.pathname.endsWith('/tags/list')) return false;
				page++;
				res.writeHead(200, { 'content-type': 'application/json', link: `</v2/acme/app/tags/list?n=1&last=t${page}>; rel="next"` });
				res.end(JSON.stringify({ tags: [`t${page}`] }));
				return true;
			},
		});
		const error = await caught(new RegistryClient({ credentials: async () => undefined, maxPages: 5 }).listTags(`${endless.host}/acme/app`));
		expect(error.kind).toBe('protocol');
		expect(error.message).toMatch(/more than 5 pages/);
		expect(page).toBe(5);
	});

	it('picks the manifest for the asked platform out of an OCI index', async () => {
		const fake = await startFake();
		const client = anonymous();
		const arm = await client.getManifest(`${fake.host}/acme/app:1.2.0`, { os: 'linux', architecture: 'arm64' });
		expect(arm.digest).toBe(fake.digests.arm64);
		expect(arm.indexDigest).toBe(fake.digests.index);
		expect(arm.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
		expect(arm.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
		expect(arm.layers).toHaveLength(1);

		const amd = await client.getManifest(`${fake.host}/acme/app:1.2.0`, { os: 'linux', architecture: 'amd64' });
		expect(amd.digest).toBe(fake.digests.amd64);
		expect(amd.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
	});

	it('sends all four manifest media types in Accept', async () => {
		let accept = '';
		const fake = await startFake({
			intercept: (req) => {
				if (req.url?.includes('/manifests/')) accept = String(req.headers.accept);
				return false;
			},
		});
		await anonymous().getManifest(`${fake.host}/acme/app:1.1.0`);
		for (const type of ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json']) {
			expect(accept).toContain(type);
		}
	});

	it('reads labels and defaults from the config blob for this platform, without layers', async () => {
		const fake = await startFake();
		const config = await anonymous().getImageConfig(`${fake.host}/acme/app:1.2.0`, { os: 'linux', architecture: 'arm64' });
		expect(config.labels).toEqual({ 'org.opencontainers.image.version': '1.2.0', arch: 'arm64' });
		expect(config.env).toEqual(['PATH=/bin', 'APP=1']);
		expect(config.cmd).toEqual(['serve']);
		expect(config.entrypoint).toEqual(['/app']);
		expect(config.exposedPorts).toEqual(['8080/tcp']);
		expect(config.manifestDigest).toBe(fake.digests.arm64);
		expect(fake.requests.some((r) => r.includes('/blobs/') && !r.includes(config.digest))).toBe(false);

		const host = hostPlatform();
		if (host.architecture === 'amd64' || host.architecture === 'arm64') {
			expect((await anonymous().getImageConfig(`${fake.host}/acme/app:1.2.0`)).labels.arch).toBe(host.architecture);
		}
	});

	it('says which platforms an index offers when this one is missing', async () => {
		const fake = await startFake();
		const error = await caught(anonymous().getManifest(`${fake.host}/acme/app:1.2.0`, { os: 'linux', architecture: 's390x' }));
		expect(error.kind).toBe('not-found');
		expect(error.message).toBe(`${fake.host}/acme/app:1.2.0: no image for linux/s390x (offers linux/amd64, linux/arm64/v8)`);
	});

	it('reports a missing tag as not-found, naming registry, repository and tag', async () => {
		const fake = await startFake();
		const error = await caught(anonymous().getManifest(`${fake.host}/acme/app:9.9.9`));
		expect(error.kind).toBe('not-found');
		expect(error.message).toBe(`${fake.host}/acme/app:9.9.9: tag not found (HTTP 404 MANIFEST_UNKNOWN)`);
		expect(error.status).toBe(404);
	});

	it('reports a missing repository as not-found', async () => {
		const fake = await startFake();
		const error = await caught(anonymous().listTags(`${fake.host}/acme/nothing`));
		expect(error.kind).toBe('not-found');
		expect(error.message).toMatch(/acme\/nothing: repository not found/);
	});

	it('answers tagExists with a HEAD', async () => {
		const fake = await startFake();
		const client = anonymous();
		expect(await client.tagExists(`${fake.host}/acme/app:1.1.0`)).toBe(true);
		expect(await client.tagExists(`${fake.host}/acme/app:9.9.9`)).toBe(false);
		expect(fake.requests).toEqual(['HEAD /v2/acme/app/manifests/1.1.0', 'HEAD /v2/acme/app/manifests/9.9.9']);
	});

	it('refuses content that does not match its digest', async () => {
		const fake = await startFake({
			intercept: (req, res, url) => {
				if (!url.pathname.includes('/manifests/')) return false;
				res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'0'.repeat(64)}` });
				res.end(JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:x', size: 1 } }));
				return true;
			},
		});
		const error = await caught(anonymous().getManifest(`${fake.host}/acme/app:1.1.0`));
		expect(error.kind).toBe('protocol');
		expect(error.message).toMatch(/digest mismatch/);
	});

	it('reports a closed port as unreachable', async () => {
		const fake = await startFake();
		const host = fake.host;
		await fake.close();
		servers.length = 0;
		const error = await caught(anonymous().listTags(`${host}/acme/app`));
		expect(error.kind).toBe('unreachable');
		expect(error.message).toBe(`${host}/acme/app: cannot reach ${host} (ECONNREFUSED)`);
	});

	it('reports a registry that does not answer in time as unreachable', async () => {
		const fake = await startFake({ intercept: () => true /* never answers */ });
		const started = Date.now();
		const error = await caught(new RegistryClient({ credentials: async () => undefined, timeoutMs: 300 }).listTags(`${fake.host}/acme/app`));
		expect(error.kind).toBe('unreachable');
		expect(error.message).toMatch(/timed out/);
		expect(Date.now() - started).toBeLessThan(3000);
	});

	it('maps 5xx to unreachable', async () => {
		const fake = await startFake({
			intercept: (req, res) => {
				res.writeHead(503);
				res.end();
				return true;
			},
		});
		const error = await caught(anonymous().listTags(`${fake.host}/acme/app`));
		expect(error.kind).toBe('unreachable');
		expect(error.message).toMatch(/HTTP 503/);
	});
});

describe('RegistryClient rate limits', () => {
	it('retries after Retry-After and succeeds', async () => {
		const fake = await startFake({ rateLimit: { count: 2, retryAfter: '0' } });
		expect(await anonymous().tagExists(`${fake.host}/acme/app:1.1.0`)).toBe(true);
		expect(fake.requests).toHaveLength(3);
	});

	it('honours a Retry-After of one second', async () => {
		const fake = await startFake({ rateLimit: { count: 1, retryAfter: '1' } });
		const started = Date.now();
		expect(await anonymous().tagExists(`${fake.host}/acme/app:1.1.0`)).toBe(true);
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});

	it('gives up after maxTries', async () => {
		const fake = await startFake({ rateLimit: { count: 100, retryAfter: '0' } });
		const error = await caught(anonymous().tagExists(`${fake.host}/acme/app:1.1.0`));
		expect(error.kind).toBe('rate-limited');
		expect(error.message).toMatch(/HTTP 429\) after 3 tries/);
		expect(fake.requests).toHaveLength(3);
	});

	it('does not wait longer than the retry budget', async () => {
		const fake = await startFake({ rateLimit: { count: 100, retryAfter: '3600' } });
		const started = Date.now();
		const error = await caught(anonymous().tagExists(`${fake.host}/acme/app:1.1.0`));
		expect(error.kind).toBe('rate-limited');
		expect(error.message).toMatch(/retry in 3600 s/);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(fake.requests).toHaveLength(1);
	});

	it('parses Retry-After as seconds or an HTTP date', () => {
		const now = Date.parse('2024-01-01T00:00:00Z');
		expect(retryAfterMs('5', now)).toBe(5000);
		expect(retryAfterMs('Mon, 01 Jan 2024 00:00:10 GMT', now)).toBe(10_000);
		expect(retryAfterMs('soon', now)).toBeUndefined();
		expect(retryAfterMs(null, now)).toBeUndefined();
	});
});

describe('RegistryClient bearer token auth', () => {
	it('follows the challenge to the token service with basic credentials, and caches the token', async () => {
		const fake = await startFake({ auth: 'bearer' });
		const client = withCredentials();
		expect(await client.tagExists(`${fake.host}/acme/app:1.1.0`)).toBe(true);
		expect(await client.tagExists(`${fake.host}/acme/app:1.2.0`)).toBe(true);
		expect(fake.tokenRequests).toHaveLength(1);
		const query = new URLSearchParams(fake.tokenRequests[0].query);
		expect(query.get('service')).toBe('fake-registry');
		expect(query.get('scope')).toBe('repository:acme/app:pull');
		expect(query.get('account')).toBe(USER);
		// challenge, token, retry; then the cached token goes straight through
		expect(fake.requests).toEqual([
			'HEAD /v2/acme/app/manifests/1.1.0',
			expect.stringMatching(/^GET \/token\?/),
			'HEAD /v2/acme/app/manifests/1.1.0',
			'HEAD /v2/acme/app/manifests/1.2.0',
		]);
	});

	it('fails as unauthorized without leaking the password when the token service refuses', async () => {
		const fake = await startFake({ auth: 'bearer' });
		const wrong = 'WrongPassw0rd-DoNotPrint';
		const error = await caught(withCredentials(wrong).listTags(`${fake.host}/acme/app`));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).toMatch(/credentials for 127\.0\.0\.1:\d+ from docker config were rejected/);
		expect(error.message).not.toContain(wrong);
		expect(error.message).not.toContain(PASSWORD);
		expect(error.message).not.toContain(Buffer.from(`${USER}:${wrong}`).toString('base64'));
	});

	it('tells the operator to log in when there are no credentials', async () => {
		const fake = await startFake({ auth: 'bearer' });
		const error = await caught(anonymous().listTags(`${fake.host}/acme/app`));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).toMatch(/no credentials for .* \(run: docker login 127\.0\.0\.1:\d+\)/);
	});
});

describe('RegistryClient basic auth', () => {
	it('retries with basic credentials and then sends them up front', async () => {
		const fake = await startFake({ auth: 'basic' });
		const client = withCredentials();
		const tags = await client.listTags(`${fake.host}/acme/app`, { pageSize: 20 });
		expect(tags).toHaveLength(27);
		// one challenge, then every page authenticated on the first try
		expect(fake.requests).toEqual(['GET /v2/acme/app/tags/list?n=20', 'GET /v2/acme/app/tags/list?n=20', 'GET /v2/acme/app/tags/list?n=20&last=p-17']);
	});

	it('fails as unauthorized with a wrong password, without printing it', async () => {
		const fake = await startFake({ auth: 'basic' });
		const wrong = 'AnotherWrong-Secret';
		const error = await caught(withCredentials(wrong).getImageConfig(`${fake.host}/acme/app:1.1.0`));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).not.toContain(wrong);
		expect(error.message).toMatch(new RegExp(`^${fake.host.replace(/\./g, '\\.')}/acme/app:1\\.1\\.0: `));
	});

	it('turns an unreadable docker config into an unauthorized error', async () => {
		const fake = await startFake({ auth: 'basic' });
		const client = new RegistryClient({
			credentials: async () => {
				throw new Error('/tmp/x/config.json is not valid JSON');
			},
		});
		const error = await caught(client.tagExists(`${fake.host}/acme/app:1.1.0`));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).toMatch(/cannot read credentials: \/tmp\/x\/config\.json is not valid JSON/);
	});
});
