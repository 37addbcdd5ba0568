import { afterAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, freePort, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';

// The foundation: the real engine, registry, Postgres and fixture images that
// every other integration test stands on.

const w = world();
const caseLabel = `io.upgrade-wizard.case=${uniqueName('world')}`;
let db: TestDatabase | undefined;

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('test world', () => {
	it('has a Docker engine that answers', async () => {
		const engine = new Docker();
		const ping = await engine.ping();
		expect(String(ping)).toBe('OK');
		const version = await engine.version();
		expect(version.ApiVersion).toMatch(/^1\.\d+$/);
	});

	it('serves every fixture tag from the local registry (Registry HTTP API v2)', async () => {
		const repo = w.appRepo.slice(w.registry.length + 1);
		const response = await fetch(`http://${w.registry}/v2/${repo}/tags/list`);
		expect(response.status).toBe(200);
		const body = (await response.json()) as { name: string; tags: string[] };
		expect(body.name).toBe(repo);
		for (const tag of [...w.appTags, '1.7.1-unhealthy', '1.7.1-badmigration', '1.7.1-crash']) {
			expect(body.tags).toContain(tag);
		}
	});

	it('refuses the auth registry without credentials and accepts the test user', async () => {
		const anonymous = await fetch(`http://${w.authRegistry}/v2/`);
		expect(anonymous.status).toBe(401);
		const basic = Buffer.from(`${w.authUser}:${w.authPassword}`).toString('base64');
		const authed = await fetch(`http://${w.authRegistry}/v2/`, { headers: { authorization: `Basic ${basic}` } });
		expect(authed.status).toBe(200);
	});

	it('runs acme/app:1.6.0 healthy against Postgres with its migrations applied', async () => {
		db = await createTestDatabase(w);
		const name = uniqueName('uw-world-app');
		const port = await freePort();
		await docker([
			'run', '-d', '--name', name,
			'--label', TEST_LABEL, '--label', caseLabel,
			'-e', `DATABASE_URL=${db.containerUrl}`,
			'-v', db.socketMount,
			'-p', `127.0.0.1:${port}:8080`,
			`${w.appRepo}:1.6.0`,
		]);
		await waitHealthy(name, 60_000);
		const health = await fetch(`http://127.0.0.1:${port}/health/endtoend`);
		expect(health.status).toBe(200);
		expect(await health.json()).toEqual({ status: 'ok', is_testing: false });
		const version = (await (await fetch(`http://127.0.0.1:${port}/version`)).json()) as { version: string };
		expect(version.version).toBe('1.6.0');
		const [schema] = await db.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_version');
		expect(schema!.version).toBe(3);
		const tables = await db.query<{ table_name: string }>(
			"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_version'",
		);
		expect(tables.length).toBeGreaterThan(0);
		const [rows] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tables[0]!.table_name}`);
		expect(rows!.n).toBeGreaterThan(0);
	});
});
