import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerConfigError, dockerConfigPath, lookupDockerCredentials, registryKeyHost } from '../../source/registry/docker-config.js';

let dir: string;
let binDir: string;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), 'uw-docker-config-'));
	binDir = await mkdtemp(join(tmpdir(), 'uw-cred-helpers-'));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
	await rm(binDir, { recursive: true, force: true });
});

const env = () => ({ DOCKER_CONFIG: dir, PATH: `${binDir}:${process.env.PATH}` });
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function config(value: unknown): Promise<void> {
	await writeFile(join(dir, 'config.json'), typeof value === 'string' ? value : JSON.stringify(value));
}

// A credential helper speaking the docker-credential-helpers protocol: server URL
// on stdin, JSON on stdout, "credentials not found" + exit 1 when it has none.
async function helper(name: string, script: string): Promise<void> {
	const path = join(binDir, `docker-credential-${name}`);
	await writeFile(path, `#!/bin/sh\n${script}\n`);
	await chmod(path, 0o755);
}

describe('dockerConfigPath', () => {
	it('prefers DOCKER_CONFIG, else ~/.docker', () => {
		expect(dockerConfigPath({ env: { DOCKER_CONFIG: '/x' } })).toBe('/x/config.json');
		expect(dockerConfigPath({ env: {}, homeDir: '/home/op' })).toBe('/home/op/.docker/config.json');
	});
});

describe('registryKeyHost', () => {
	const table: Array<[string, string]> = [
		['https://index.docker.io/v1/', 'docker.io'],
		['index.docker.io', 'docker.io'],
		['127.0.0.1:5001', '127.0.0.1:5001'],
		['http://127.0.0.1:5001', '127.0.0.1:5001'],
		['https://Registry.Example.com:443/v2/', 'registry.example.com:443'],
	];
	it.each(table)('%s -> %s', (key, host) => expect(registryKeyHost(key)).toBe(host));
});

describe('lookupDockerCredentials from auths', () => {
	it('decodes a base64 auth, splitting at the first colon only', async () => {
		await config({ auths: { '127.0.0.1:5001': { auth: b64('alice:pa:ss:word') } } });
		expect(await lookupDockerCredentials('127.0.0.1:5001', { env: env() })).toEqual({ username: 'alice', password: 'pa:ss:word' });
	});

	it('matches keys written with a scheme', async () => {
		await config({ auths: { 'http://127.0.0.1:5001': { auth: b64('bob:secret') } } });
		expect(await lookupDockerCredentials('127.0.0.1:5001', { env: env() })).toEqual({ username: 'bob', password: 'secret' });
	});

	it('finds Docker Hub credentials under the index URL', async () => {
		await config({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } });
		expect(await lookupDockerCredentials('docker.io', { env: env() })).toEqual({ username: 'hubuser', password: 'hubpass' });
	});

	it('reads separate username and password fields', async () => {
		await config({ auths: { 'ghcr.io': { username: 'carol', password: 'pat' } } });
		expect(await lookupDockerCredentials('ghcr.io', { env: env() })).toEqual({ username: 'carol', password: 'pat' });
	});

	it('returns an identity token when there is one', async () => {
		await config({ auths: { 'myregistry.azurecr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'refresh-token' } } });
		expect(await lookupDockerCredentials('myregistry.azurecr.io', { env: env() })).toEqual({ identityToken: 'refresh-token', username: '00000000-0000-0000-0000-000000000000' });
	});

	it('returns undefined for another host, an empty entry, or no config at all', async () => {
		await config({ auths: { 'ghcr.io': { auth: b64('x:y') }, 'quay.io': {} } });
		expect(await lookupDockerCredentials('127.0.0.1:5000', { env: env() })).toBeUndefined();
		expect(await lookupDockerCredentials('quay.io', { env: env() })).toBeUndefined();
		expect(await lookupDockerCredentials('ghcr.io', { env: { DOCKER_CONFIG: join(dir, 'missing') } })).toBeUndefined();
	});

	it('rejects a malformed config without quoting it', async () => {
		await config('{"auths": {"x": {"auth": "c2VjcmV0"}');
		const error = await lookupDockerCredentials('x', { env: env() }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(DockerConfigError);
		expect((error as Error).message).toBe(`${join(dir, 'config.json')} is not valid JSON`);
	});
});

describe('lookupDockerCredentials through credential helpers', () => {
	it('asks the credHelpers entry for the host, passing the server URL on stdin', async () => {
		await helper('fake', `read url\nprintf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret-for-%s"}' "$url" "$url"`);
		await config({ credHelpers: { '127.0.0.1:5001': 'fake' }, auths: { '127.0.0.1:5001': { auth: b64('file:ignored') } } });
		expect(await lookupDockerCredentials('127.0.0.1:5001', { env: env() })).toEqual({ username: 'helper-user', password: 'helper-secret-for-127.0.0.1:5001' });
	});

	it('asks credsStore with the Docker Hub index URL', async () => {
		await helper('store', `read url\nprintf '{"ServerURL":"%s","Username":"u","Secret":"%s"}' "$url" "$url"`);
		await config({ credsStore: 'store' });
		expect(await lookupDockerCredentials('docker.io', { env: env() })).toEqual({ username: 'u', password: 'https://index.docker.io/v1/' });
	});

	it('treats a <token> user name as an identity token', async () => {
		await helper('tok', `printf '{"Username":"<token>","Secret":"identity"}'`);
		await config({ credsStore: 'tok' });
		expect(await lookupDockerCredentials('ghcr.io', { env: env() })).toEqual({ identityToken: 'identity' });
	});

	it('falls through to auths when the helper has nothing for the host', async () => {
		await helper('empty', `echo "credentials not found in native keychain"\nexit 1`);
		await config({ credsStore: 'empty', auths: { 'ghcr.io': { auth: b64('dave:pw') } } });
		const warnings: string[] = [];
		expect(await lookupDockerCredentials('ghcr.io', { env: env(), warn: (m) => warnings.push(m) })).toEqual({ username: 'dave', password: 'pw' });
		expect(warnings).toEqual([]);
	});

	it('warns, and falls through, when the helper is missing, hangs or fails', async () => {
		await helper('slow', 'sleep 5');
		await helper('broken', 'echo oops >&2\nexit 3');
		const warnings: string[] = [];
		const options = { env: env(), warn: (m: string) => warnings.push(m), helperTimeoutMs: 300 };

		await config({ credHelpers: { 'a.io': 'missing', 'b.io': 'slow', 'c.io': 'broken', 'd.io': '../../bin/sh' } });
		const started = Date.now();
		for (const host of ['a.io', 'b.io', 'c.io', 'd.io']) expect(await lookupDockerCredentials(host, options)).toBeUndefined();
		expect(Date.now() - started).toBeLessThan(4000);
		expect(warnings).toEqual([
			'credential helper docker-credential-missing failed for a.io (not installed)',
			'credential helper docker-credential-slow failed for b.io (timed out)',
			'credential helper docker-credential-broken failed for c.io (exit code 3)',
			'ignoring credential helper with an unusable name "../../bin/sh"',
		]);
	});
});
