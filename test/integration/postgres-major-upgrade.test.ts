import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { docker, exists, inspect, TEST_LABEL, uniqueName } from '../support/docker.js';
import { world } from '../support/world.js';
import { psqlIn, removePgCase, startPgStack } from '../support/pg-server.js';
import { newStateHome, runWizard, signalWhen } from '../support/wizard.js';

// A PostgreSQL 10 server (the world's npm-built image: no client tools, md5
// password hashes) moved to 15 (Debian's, scram-sha-256) by the postgres-server
// unit kind, with an app container that uses it on the same network. Real
// engine, real servers, real data; the old volume is checked with a 10 server.

const w = world();
const id = uniqueName('pgmajor');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const labels = ['--label', TEST_LABEL, '--label', caseLabel];
const network = `${id}-net`;
let pg10 = '';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const healthy = (name: string) => until(`${name} healthy`, async () => (await inspect(name)).State.Health?.Status === 'healthy');

const psql = psqlIn;

/** A server of 10 with data, roles, a sequence and a view, and an app that uses it by its network alias. */
async function setUp(tag: string) {
	return startPgStack({
		server: `${id}-${tag}`, app: `${id}-${tag}-app`, volume: `${id}-${tag}-data`, image: pg10, appImage: `${w.appRepo}:1.6.0`,
		network, alias: `${tag}-db`, labels, superuserPassword: 'su-secret-pw',
		serverArgs: ['--label', 'owner=ops', '--restart', 'unless-stopped', '-e', 'TZ=UTC'],
		appUrl: `postgres://app:app-secret-pw@${tag}-db:5432/appdb`,
		async seed(server) {
			await psql(server, `CREATE ROLE app LOGIN PASSWORD 'app-secret-pw'; CREATE TABLE items (id serial PRIMARY KEY, name text);
				INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 5000) g; CREATE VIEW item_names AS SELECT name FROM items;
				GRANT ALL ON items TO app; GRANT ALL ON SEQUENCE items_id_seq TO app; CREATE ROLE auditor NOLOGIN`);
			await psql(server, 'CREATE DATABASE reports');
			await psql(server, 'CREATE TABLE monthly (month int, total bigint); INSERT INTO monthly SELECT g, g * 100 FROM generate_series(1, 12) g', 'reports');
		},
	});
}

beforeAll(async () => {
	pg10 = inject('world').UW_PG10_IMAGE ?? '';
	if (!pg10) throw new Error('world.env has no UW_PG10_IMAGE: did test/world/up.sh build the older majors?');
	await docker(['network', 'create', ...labels, network]);
}, 120_000);

afterAll(() => removePgCase(caseLabel, id, network), 120_000);

describe('PostgreSQL 10 -> 15 on a new volume', () => {
	it('moves every database and role, keeps logins working, the app on it, and the old volume as it was', async () => {
		const s = await setUp('ok');
		const sequenceBefore = await psql(s.server, "SELECT last_value FROM items_id_seq");
		const run = await runWizard(['--yes', '--container', s.server, '--to', '15'], { timeoutMs: 300_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout + run.stderr).not.toContain('secret-pw');
		// The server's own backup gate, not the skip-backup warning of a plan without an app database.
		expect(run.stdout + run.stderr).toContain('Back up the PostgreSQL server');
		expect(run.stdout + run.stderr).not.toContain('no database backup will be taken');
		expect(run.stdout).toContain(`once you are sure, remove them with: docker rm ${s.server}-old; docker volume rm ${s.volume}`);

		const now = await inspect(s.server);
		expect(now.Config.Image).toBe(`${w.registry}/acme/postgres:15`);
		expect(now.State.Running).toBe(true);
		await healthy(s.server);
		expect(now.Mounts.find((mount: { Destination: string }) => mount.Destination === '/var/lib/postgresql/data')?.Name).toBe(`${s.volume}-pg15`);
		// The old one's configuration: alias, env, restart policy, labels.
		expect(now.NetworkSettings.Networks[network].Aliases).toContain('ok-db');
		expect(now.Config.Env).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD=su-secret-pw', 'POSTGRES_DB=appdb', 'TZ=UTC']));
		expect(now.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
		expect(now.Config.Labels.owner).toBe('ops');
		expect(await psql(s.server, 'SHOW server_version_num')).toMatch(/^15/);

		// Data, sequences, views, roles, the other database.
		expect(await psql(s.server, 'SELECT count(*) FROM items')).toBe('5000');
		expect(await psql(s.server, 'SELECT last_value FROM items_id_seq')).toBe(sequenceBefore);
		expect(await psql(s.server, 'SELECT count(*) FROM item_names')).toBe('5000');
		expect(await psql(s.server, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('app', 'auditor', 'postgres')")).toBe('app,auditor,postgres');
		expect(await psql(s.server, 'SELECT sum(total) FROM monthly', 'reports')).toBe('7800');
		// md5 hashes of known passwords were set again as SCRAM; both log in over TCP with their passwords.
		expect(await psql(s.server, "SELECT string_agg(rolname || '=' || left(rolpassword, 13), ',' ORDER BY rolname) FROM pg_authid WHERE rolname IN ('app', 'postgres')")).toBe('app=SCRAM-SHA-256,postgres=SCRAM-SHA-256');
		for (const [user, password] of [['app', 'app-secret-pw'], ['postgres', 'su-secret-pw']]) {
			const login = await docker(['exec', '-e', `PGPASSWORD=${password}`, s.server, 'psql', '-X', '-t', '-A', '-w', '-h', now.NetworkSettings.Networks[network].IPAddress, '-U', user, '-d', 'appdb', '-c', 'SELECT 1'], { reject: false });
			expect(login.stdout.trim(), `${user}: ${login.stderr}`).toBe('1');
		}

		// The app: the same container, started again and healthy on the new server.
		await healthy(s.app);
		const app = await inspect(s.app);
		expect([app.Id, app.State.Running, app.State.Health?.Status]).toEqual([s.appId, true, 'healthy']);

		// The old server: parked, stopped, its volume still PostgreSQL 10 with the original data.
		const parked = await inspect(`${s.server}-old`);
		expect([parked.Id, parked.State.Running]).toEqual([s.serverId, false]);
		const check = `${id}-check10`;
		await docker(['run', '-d', '--name', check, ...labels, '-v', `${s.volume}:/var/lib/postgresql/data`, '-e', 'POSTGRES_PASSWORD=x', pg10]);
		await healthy(check);
		expect(await psql(check, 'SELECT count(*) FROM items')).toBe('5000');
		expect(await psql(check, 'SHOW server_version_num')).toMatch(/^10/);
		await docker(['rm', '-f', check]);
		expect(await exists(`${s.server}-pg15-move`)).toBe(false);
	}, 400_000);

	it('a temporary server killed during the move: rolled back, the same old server and app back, the partial new volume removed', async () => {
		const s = await setUp('kill');
		let killed = false;
		const run = await runWizard(['--yes', '--json', '--container', s.server, '--to', '15'], {
			timeoutMs: 300_000,
			onLine: (line) => {
				if (!killed && line.includes('"step-started"') && line.includes('"move"')) {
					killed = true;
					void docker(['kill', `${s.server}-pg15-move`], { reject: false });
				}
			},
		});
		expect(killed).toBe(true);
		expect(run.exitCode, run.stdout.slice(-2000) + run.stderr).toBe(1);
		const back = await inspect(s.server);
		expect([back.Id, back.State.Running, back.Config.Image]).toEqual([s.serverId, true, pg10]);
		await healthy(s.server);
		expect(await psql(s.server, 'SELECT count(*) FROM items')).toBe('5000');
		await healthy(s.app);
		expect((await inspect(s.app)).Id).toBe(s.appId);
		expect(await exists(`${s.server}-pg15-move`)).toBe(false);
		const volumes = await docker(['volume', 'ls', '-q', '--filter', `name=${s.volume}-pg15`]);
		expect(volumes.stdout.trim()).toBe('');
	}, 400_000);

	it('kill -9 of the wizard during the move, then recover: the old server and the app back as they were', async () => {
		const s = await setUp('crash');
		const stateHome = newStateHome();
		const crashed = await signalWhen(['--yes', '--container', s.server, '--to', '15'], 'SIGKILL', (event) => event.type === 'step-started' && event.step === 'move', { stateHome, timeoutMs: 300_000 });
		expect(crashed.sent).toBe(true);
		expect((await inspect(s.app)).State.Running).toBe(false);
		const recovered = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 300_000 });
		expect(recovered.exitCode, recovered.stdout + recovered.stderr).toBe(0);
		const back = await inspect(s.server);
		expect([back.Id, back.State.Running]).toEqual([s.serverId, true]);
		await healthy(s.app);
		expect((await inspect(s.app)).Id).toBe(s.appId);
		expect(await exists(`${s.server}-pg15-move`)).toBe(false);
		expect(await psql(s.server, 'SELECT count(*) FROM items')).toBe('5000');
	}, 400_000);
});
