import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { runWizard } from '../support/wizard.js';

// A loopback host in the app's own DATABASE_URL means the app's network
// namespace, not this host's (issue 15, items 1 and 2): a sidecar in
// `--network container:<db>` has its database backed up and restored inside
// that container, never whatever answers on the host's 127.0.0.1; a bridge app
// with a loopback URL is refused; an operator's --db is a host-side URL.

const w = world();
const id = uniqueName('ns');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const pg = `${id}-pg`;
const PASSWORD = 'ns-db-secret-pw';
let hostDb: TestDatabase;

const psql = async (sql: string) => (await docker(['exec', pg, 'psql', '-U', 'app', '-d', 'appdb', '-tAc', sql])).stdout.trim();

beforeAll(async () => {
	hostDb = await createTestDatabase(w);
	await docker(['run', '-d', '--name', pg, '--label', TEST_LABEL, '--label', caseLabel, '-e', `POSTGRES_PASSWORD=${PASSWORD}`, '-e', 'POSTGRES_USER=app', '-e', 'POSTGRES_DB=appdb', w.pgImage]);
	await waitHealthy(pg, 90_000);
}, 120_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	await hostDb?.drop();
});

function appArgs(name: string, network: string, extra: string[] = []) {
	return ['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '--network', network, '-e', `DATABASE_URL=postgresql://app:${PASSWORD}@127.0.0.1:5432/appdb`, ...extra, `${w.appRepo}:1.6.0`];
}

describe('the database of an app in another network namespace', () => {
	it('a container: sidecar: backed up and restored inside the database container, the right database', async () => {
		const name = `${id}-sidecar`;
		await docker(appArgs(name, `container:${pg}`));
		await waitHealthy(name, 90_000);
		expect(await psql('SELECT max(version) FROM schema_version')).toBe('3');
		const accounts = await psql('SELECT count(*) FROM accounts');

		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-badmigration', '--migration-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain(`Dumped by: pg_dump in container ${pg}`);
		expect(run.stdout).toMatch(/restore done .*row counts equal/);
		// The database in the sidecar's namespace is back; the host's Postgres was never its target.
		expect(await psql('SELECT max(version) FROM schema_version')).toBe('3');
		expect(await psql('SELECT count(*) FROM accounts')).toBe(accounts);
		expect(run.stdout + run.stderr).not.toContain(PASSWORD);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.6.0`);
	});

	it('a bridge app with a loopback database URL: refused, one line, nothing touched', async () => {
		const name = `${id}-bridge`;
		// Nothing answers on its own 127.0.0.1: it waits for its database and stays running meanwhile.
		const appId = (await docker(appArgs(name, 'bridge', ['-e', 'DB_WAIT_SECONDS=600']))).stdout.trim();
		const run = await runWizard(['--yes', '--container', name, '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		const lines = run.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(/reaches its database at 127\.0\.0\.1 inside its own network namespace \(network mode bridge\).*give --db/);
		expect(run.stderr).not.toContain(PASSWORD);
		const after = await inspect(name);
		expect(after.Id).toBe(appId);
		expect(after.State.Running).toBe(true);

		// --db is the operator's host-side URL, a unix socket of this host included.
		const socket = `postgresql://${hostDb.user}:${encodeURIComponent(hostDb.password)}@/${hostDb.name}?host=${w.pgSocketDir}&port=${w.pgPort}`;
		const dry = await runWizard(['--dry-run', '--container', name, '--to', '1.6.1', '--db', socket]);
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toMatch(new RegExp(`Database: .*${hostDb.name}`));
		expect(dry.stdout + dry.stderr).not.toContain(hostDb.password);
	});
});
