import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { docker, exists, freePort, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { world } from '../support/world.js';
import { tempDir } from '../support/temp-dir.js';
import { psqlIn, startPgStack } from '../support/pg-server.js';
import { runWizard } from '../support/wizard.js';

// A PostgreSQL major upgrade whose TARGET is broken, on a repository of this
// test's own: the world's 10 server as `10`, and two images of the world's 15
// that claim newer majors (PG_MAJOR) and fail in two places:
//   16: its entrypoint does not exist, so not even the temporary server starts
//       (the failure comes before any data moved: the new volume goes too);
//   17: its server runs but its healthcheck never passes, so the data move
//       completes and the switched-over server fails its gate (the new volume,
//       holding moved data, is kept and named for inspection).
// Both: exit 1, the same old container back on its untouched volume, the app
// that uses it the same container again, healthy. Beside them, two targets that
// work in less usual ways: a password in POSTGRES_PASSWORD_FILE, and a registry
// that does not answer (the target image already on the engine).

const w = world();
const id = uniqueName('pgmrb');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const labels = ['--label', TEST_LABEL, '--label', caseLabel];
const repo = `${w.registry}/${id}/postgres`;
const network = `${id}-net`;

async function build(tag: string, dockerfile: string) {
	const context = tempDir('uw-pgmrb-');
	writeFileSync(join(context, 'Dockerfile'), dockerfile);
	await docker(['build', '-q', '-t', `${repo}:${tag}`, context]);
	await docker(['push', '-q', `${repo}:${tag}`]);
}

const psql = (container: string, sql: string) => psqlIn(container, sql);

function setUp(tag: string) {
	return startPgStack({
		server: `${id}-${tag}`, app: `${id}-${tag}-app`, volume: `${id}-${tag}-data`, image: `${repo}:10`, appImage: `${w.appRepo}:1.6.0`,
		network, alias: `${tag}-db`, labels, superuserPassword: 'su-secret-pw',
		seed: (server) => psql(server, "CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 2000) g"),
	});
}

async function expectBack(s: Awaited<ReturnType<typeof setUp>>) {
	const back = await inspect(s.server);
	expect([back.Id, back.State.Running, back.Config.Image]).toEqual([s.serverId, true, `${repo}:10`]);
	expect(back.Mounts.find((mount: { Destination: string }) => mount.Destination === '/var/lib/postgresql/data')?.Name).toBe(s.volume);
	await waitHealthy(s.server);
	expect(await psql(s.server, 'SELECT count(*) FROM items')).toBe('2000');
	expect(await psql(s.server, 'SHOW server_version_num')).toMatch(/^10/);
	await waitHealthy(s.app);
	expect((await inspect(s.app)).Id).toBe(s.appId);
	expect(await exists(`${s.server}-old`)).toBe(false);
}

const goneRefs: string[] = [];
const volumesNamed = async (name: string) => (await docker(['volume', 'ls', '-q', '--filter', `name=^${name}$`])).stdout.trim();

beforeAll(async () => {
	const pg10 = inject('world').UW_PG10_IMAGE;
	if (!pg10) throw new Error('world.env has no UW_PG10_IMAGE: did test/world/up.sh build the older majors?');
	await docker(['tag', pg10, `${repo}:10`]);
	await docker(['push', '-q', `${repo}:10`]);
	await build('16', `FROM ${w.pgImage}\nLABEL io.upgrade-wizard.test=1\nENV PG_MAJOR=16\nENTRYPOINT ["/usr/local/bin/does-not-exist"]\n`);
	await build('17', `FROM ${w.pgImage}\nLABEL io.upgrade-wizard.test=1\nENV PG_MAJOR=17\nHEALTHCHECK --interval=1s --timeout=2s --retries=1 CMD ["pg_isready", "-q", "-p", "1"]\n`);
	// The official image reads POSTGRES_PASSWORD_FILE; the world's fixture entrypoint does not, so these wrap it.
	for (const [tag, base] of [['10-pwfile', pg10], ['15-pwfile', w.pgImage]] as const) {
		const context = tempDir('uw-pgmrb-');
		writeFileSync(join(context, 'pwfile-entrypoint.sh'), '#!/bin/sh\nset -eu\nif [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then read -r POSTGRES_PASSWORD < "$POSTGRES_PASSWORD_FILE"; export POSTGRES_PASSWORD; fi\nexec /usr/local/bin/docker-entrypoint.sh "$@"\n', { mode: 0o755 });
		writeFileSync(join(context, 'Dockerfile'), `FROM ${base}\nLABEL io.upgrade-wizard.test=1\nCOPY pwfile-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["/usr/local/bin/pwfile-entrypoint.sh"]\nCMD ["postgres"]\n`);
		await docker(['build', '-q', '-t', `${repo}:${tag}`, context]);
		await docker(['push', '-q', `${repo}:${tag}`]);
	}
	await docker(['network', 'create', ...labels, network]);
}, 300_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	const { stdout } = await docker(['volume', 'ls', '-q', '--filter', `name=${id}`]);
	for (const volume of stdout.split('\n').filter(Boolean)) await docker(['volume', 'rm', '-f', volume], { reject: false });
	await docker(['network', 'rm', network], { reject: false });
	for (const tag of ['10', '16', '17', '10-pwfile', '15-pwfile']) await docker(['rmi', `${repo}:${tag}`], { reject: false });
	for (const ref of goneRefs) await docker(['rmi', ref], { reject: false });
}, 120_000);

describe('a PostgreSQL major upgrade to a broken target', () => {
	it('a target whose server cannot start: rolled back before any data moved, the new volume removed', async () => {
		const s = await setUp('nostart');
		const run = await runWizard(['--yes', '--container', s.server, '--to', '16'], { timeoutMs: 300_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout + run.stderr).not.toContain('su-secret-pw');
		await expectBack(s);
		expect(await exists(`${s.server}-pg16-move`)).toBe(false);
		expect(await volumesNamed(`${s.volume}-pg16`)).toBe('');
	}, 400_000);

	it('a target that never turns healthy after the switch-over: rolled back, the moved data kept on the new volume and named', async () => {
		const s = await setUp('unhealthy');
		const run = await runWizard(['--yes', '--container', s.server, '--to', '17', '--health-timeout', '15'], { timeoutMs: 300_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout + run.stderr).not.toContain('su-secret-pw');
		await expectBack(s);
		expect(await exists(`${s.server}-pg17-move`)).toBe(false);
		// Kept for inspection, and the output says so by name.
		expect(await volumesNamed(`${s.volume}-pg17`)).toBe(`${s.volume}-pg17`);
		expect(run.stdout + run.stderr).toContain(`${s.volume}-pg17`);
	}, 400_000);

	it('a server whose password is in POSTGRES_PASSWORD_FILE: read once, never printed, and the temporary server reads the same file', async () => {
		const secrets = tempDir('uw-pgmrb-secret-');
		writeFileSync(join(secrets, 'pg'), 'file-secret-pw\n', { mode: 0o644 });
		const server = `${id}-pwfile`;
		const volume = `${id}-pwfile-data`;
		await docker(['run', '-d', '--name', server, ...labels, '--network', network, '-v', `${volume}:/var/lib/postgresql/data`, '-v', `${secrets}:/run/secrets:ro`,
			'-e', 'POSTGRES_PASSWORD_FILE=/run/secrets/pg', '-e', 'POSTGRES_DB=appdb', `${repo}:10-pwfile`]);
		await waitHealthy(server);
		await psql(server, "CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 77)");
		const run = await runWizard(['--yes', '--container', server, '--to', '15-pwfile'], { timeoutMs: 300_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout + run.stderr).not.toContain('file-secret-pw');
		const now = await inspect(server);
		expect(now.Config.Image).toBe(`${repo}:15-pwfile`);
		expect(now.Mounts.map((mount: { Destination: string }) => mount.Destination).sort()).toEqual(['/run/secrets', '/var/lib/postgresql/data']);
		expect(await psql(server, 'SELECT count(*) FROM items')).toBe('77');
		// The superuser's hash was set again as SCRAM from the file's password, and it logs in over TCP with it.
		const address = now.NetworkSettings.Networks[network].IPAddress;
		const login = await docker(['exec', '-e', 'PGPASSWORD=file-secret-pw', server, 'psql', '-X', '-t', '-A', '-w', '-h', address, '-U', 'postgres', '-d', 'appdb', '-c', 'SELECT 1'], { reject: false });
		expect(login.stdout.trim(), login.stderr).toBe('1');
	}, 400_000);

	it('a registry that does not answer: --to 15 runs the procedure from the image already on the engine, never pulled', async () => {
		const gone = `127.0.0.1:${await freePort()}/acme/postgres`;
		for (const [tag, source] of [['10', `${repo}:10`], ['15', w.pgImage]] as const) {
			await docker(['tag', source, `${gone}:${tag}`]);
			goneRefs.push(`${gone}:${tag}`);
		}
		const server = `${id}-offline`;
		await docker(['run', '-d', '--name', server, ...labels, '--network', network, '-v', `${id}-offline-data:/var/lib/postgresql/data`,
			'-e', 'POSTGRES_PASSWORD=su-secret-pw', '-e', 'POSTGRES_DB=appdb', `${gone}:10`]);
		await waitHealthy(server);
		await psql(server, 'CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 55)');
		const run = await runWizard(['--yes', '--container', server, '--to', '15'], { timeoutMs: 300_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout + run.stderr).toContain('upgrading straight to the local 15');
		const now = await inspect(server);
		expect(now.Config.Image).toBe(`${gone}:15`);
		expect(await psql(server, 'SELECT count(*) FROM items')).toBe('55');
		expect(await psql(server, 'SHOW server_version_num')).toMatch(/^15/);
	}, 400_000);
});
