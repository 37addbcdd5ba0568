import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../source/registry/client.js';
import { RegistryError } from '../../source/registry/errors.js';
import { parseImageReference } from '../../source/registry/reference.js';

// The registry client against the test world's real registries (docker-registry,
// distribution 2.8): the anonymous one at UW_REGISTRY and the htpasswd one at
// UW_AUTH_REGISTRY. Coordinates come from world.env, loaded into process.env.

function need(key: string): string {
	const value = process.env[key];
	if (!value) throw new Error(`${key} is not set: load /var/tmp/upgrade-wizard-world/world.env (test/world/up.sh writes it)`);
	return value;
}

const registry = need('UW_REGISTRY');
const authRegistry = need('UW_AUTH_REGISTRY');
const authUser = need('UW_AUTH_REGISTRY_USER');
const authPassword = need('UW_AUTH_REGISTRY_PASSWORD');
const appRepo = need('UW_APP_REPO');
const appTags = need('UW_APP_TAGS').split(/\s+/).filter(Boolean);
const appRepository = parseImageReference(appRepo).repository;

// Test-only configs: never the operator's ~/.docker.
let configDirs: string[] = [];
async function dockerConfig(auths: Record<string, unknown>): Promise<NodeJS.ProcessEnv> {
	const dir = await mkdtemp(join(tmpdir(), 'uw-registry-it-'));
	configDirs.push(dir);
	await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }), { mode: 0o600 });
	return { ...process.env, DOCKER_CONFIG: dir };
}
afterAll(async () => {
	await Promise.all(configDirs.map((dir) => rm(dir, { recursive: true, force: true })));
	configDirs = [];
});

const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(RegistryError);
	return error as RegistryError;
}

describe('anonymous registry', () => {
	const client = new RegistryClient({ credentials: async () => undefined });

	it('lists every fixture tag of the app', async () => {
		const tags = await client.listTags(appRepo);
		for (const tag of appTags) expect(tags).toContain(tag);
	});

	it('reads version and schema labels from the config blob without pulling', async () => {
		for (const tag of appTags) {
			const config = await client.getImageConfig(`${appRepo}:${tag}`);
			expect(config.labels['org.opencontainers.image.version'], tag).toBe(tag);
			expect(config.labels['com.acme.app.schema-version'], tag).toMatch(/^\d+$/);
			expect(config.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
		}
	});

	it('resolves a manifest with its digest and layers', async () => {
		const manifest = await client.getManifest(`${appRepo}:${appTags[0]}`);
		expect(manifest.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
		expect(manifest.layers.length).toBeGreaterThan(0);
		const byDigest = await client.getManifest(`${appRepo}@${manifest.digest}`);
		expect(byDigest.config.digest).toBe(manifest.config.digest);
	});

	it('tells a present tag from a missing one', async () => {
		expect(await client.tagExists(`${appRepo}:${appTags[0]}`)).toBe(true);
		expect(await client.tagExists(`${appRepo}:0.0.0-missing`)).toBe(false);
		const error = await rejection(client.getImageConfig(`${appRepo}:0.0.0-missing`));
		expect(error.kind).toBe('not-found');
		expect(error.message).toBe(`${appRepo}:0.0.0-missing: tag not found (HTTP 404 MANIFEST_UNKNOWN)`);
	});

	it('reports an unknown repository as not-found', async () => {
		const error = await rejection(client.listTags(`${registry}/acme/does-not-exist`));
		expect(error.kind).toBe('not-found');
	});
});

describe('tag lists longer than a page', () => {
	const pagingRepository = 'acme/paging';
	const pageTags = Array.from({ length: 30 }, (_, i) => `page-${String(i).padStart(3, '0')}`);
	let pushedDigest: string | undefined;

	// The fixture manifest copied under 30 tags of a dedicated repository: blobs are
	// mounted across repositories (no upload), the manifest PUT once per tag.
	beforeAll(async () => {
		const base = `http://${registry}`;
		const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
		const source = await fetch(`${base}/v2/${appRepository}/manifests/${appTags[0]}`, { headers: { accept }, signal: AbortSignal.timeout(15_000) });
		expect(source.status).toBe(200);
		const mediaType = source.headers.get('content-type')!;
		const body = Buffer.from(await source.arrayBuffer());
		const manifest = JSON.parse(body.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
		for (const digest of [manifest.config.digest, ...manifest.layers.map((layer) => layer.digest)]) {
			const mount = await fetch(`${base}/v2/${pagingRepository}/blobs/uploads/?mount=${digest}&from=${appRepository}`, { method: 'POST', signal: AbortSignal.timeout(15_000) });
			expect(mount.status, `mount ${digest}`).toBe(201);
		}
		for (const tag of pageTags) {
			const put = await fetch(`${base}/v2/${pagingRepository}/manifests/${tag}`, { method: 'PUT', body, headers: { 'content-type': mediaType }, signal: AbortSignal.timeout(15_000) });
			expect(put.status, `PUT ${tag}`).toBe(201);
			pushedDigest = put.headers.get('docker-content-digest') ?? pushedDigest;
		}
	});

	// Deleting the manifest by digest untags all 30 (the registry has delete enabled).
	afterAll(async () => {
		if (!pushedDigest) return;
		await fetch(`http://${registry}/v2/${pagingRepository}/manifests/${pushedDigest}`, { method: 'DELETE', signal: AbortSignal.timeout(15_000) });
	});

	it('returns every tag whether the registry pages or not', async () => {
		const pages: number[] = [];
		const counting: typeof fetch = async (input, init) => {
			const response = await fetch(input, init);
			if (String(input).includes('/tags/list')) {
				const copy = response.clone();
				pages.push(((await copy.json()) as { tags?: string[] | null }).tags?.length ?? 0);
			}
			return response;
		};
		const client = new RegistryClient({ credentials: async () => undefined, fetch: counting });
		const tags = await client.listTags(`${registry}/${pagingRepository}`, { pageSize: 10 });
		expect([...tags].sort()).toEqual(expect.arrayContaining(pageTags));
		expect(tags.filter((tag) => tag.startsWith('page-'))).toHaveLength(30);
		// distribution 2.8 ignores `n` on tag lists (one page, no Link); a registry
		// that honours it must have been followed through every Link.
		if (pages.length === 1) expect(pages[0]).toBeGreaterThanOrEqual(30);
		else {
			expect(pages.length).toBeGreaterThanOrEqual(3);
			for (const size of pages) expect(size).toBeLessThanOrEqual(10);
		}
	});
});

describe('registry with htpasswd auth', () => {
	const authApp = `${authRegistry}/${appRepository}`;

	it('uses the credentials docker login stored in DOCKER_CONFIG', async () => {
		const env = await dockerConfig({ [authRegistry]: { auth: basicAuth(authUser, authPassword) } });
		const client = new RegistryClient({ env });
		const tags = await client.listTags(authApp);
		for (const tag of appTags) expect(tags).toContain(tag);
		const config = await client.getImageConfig(`${authApp}:${appTags[0]}`);
		expect(config.labels['org.opencontainers.image.version']).toBe(appTags[0]);
		expect(await client.tagExists(`${authApp}:${appTags[0]}`)).toBe(true);
	});

	it('matches an auths key written as a URL', async () => {
		const env = await dockerConfig({ [`http://${authRegistry}`]: { auth: basicAuth(authUser, authPassword) } });
		expect(await new RegistryClient({ env }).tagExists(`${authApp}:${appTags[0]}`)).toBe(true);
	});

	it('fails as unauthorized with a wrong password, and never prints it', async () => {
		const wrong = 'definitely-Wrong-Passw0rd';
		const env = await dockerConfig({ [authRegistry]: { auth: basicAuth(authUser, wrong) } });
		const error = await rejection(new RegistryClient({ env }).listTags(authApp));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).toMatch(/were rejected/);
		expect(error.message).not.toContain(wrong);
		expect(error.message).not.toContain(authPassword);
		expect(error.message).not.toContain(basicAuth(authUser, wrong));
	});

	it('tells the operator to log in when DOCKER_CONFIG has nothing for it', async () => {
		const env = await dockerConfig({});
		const error = await rejection(new RegistryClient({ env }).getImageConfig(`${authApp}:${appTags[0]}`));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).toContain(`docker login ${authRegistry}`);
	});
});
