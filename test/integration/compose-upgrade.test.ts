import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { docker, inspect, waitHealthy } from '../support/docker.js';
import { composeProject, type ComposeTestProject } from '../support/compose.js';
import { newStateHome, runWizard, signalWhen } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// A Compose project (app + its own Postgres service) upgraded, rolled back,
// refused and recovered through Compose itself, on the real engine, registry
// and docker-compose. After every outcome the files say exactly what runs:
// `up -d` on the whole project recreates nothing.

const w = world();
const PASSWORD = 'shop-db-pw-s3cret';

const composeFile = (tagPart: string) => `# The shop: the app and its database. Comments stay.
services:
  db:
    image: "${w.pgImage}"
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: ${PASSWORD}
      POSTGRES_DB: shop
    volumes:
      - dbdata:/var/lib/postgresql/data
    labels:
      io.upgrade-wizard.test: "1"
  app:
    # keep this comment, and the quoting below
    image: '${w.appRepo}:${tagPart}'
    depends_on: [db]
    environment:
      DATABASE_URL: postgresql://shop:${PASSWORD}@db:5432/shop
    volumes:
      - appdata:/data
      - /cache
    labels:
      io.upgrade-wizard.test: "1"
volumes:
  dbdata: {}
  appdata: {}
`;

let shop: ComposeTestProject;
let original: string;

const appName = async (project: ComposeTestProject) => {
	const ids = await project.containerIds('app');
	expect(ids).toHaveLength(1);
	return (await inspect(ids[0]!)).Name.replace(/^\//, '');
};

async function psql(project: ComposeTestProject, sql: string): Promise<string> {
	const [db] = await project.containerIds('db');
	const out = await docker(['exec', db!, 'psql', '-U', 'shop', '-d', 'shop', '-tAc', sql]);
	return out.stdout.trim();
}

/** The running state of the project: app container, its image, db container. */
async function snapshot(project: ComposeTestProject) {
	const [app] = await project.containerIds('app');
	const [db] = await project.containerIds('db');
	const info = await inspect(app!);
	return { app: app!, db: db!, image: info.Config.Image as string, running: info.State.Running as boolean };
}

/** `up -d` on the whole project must recreate nothing: the files describe what runs. */
async function expectUpRecreatesNothing(project: ComposeTestProject) {
	const before = await snapshot(project);
	await project.compose(['up', '-d']);
	const after = await snapshot(project);
	expect(after.app).toBe(before.app);
	expect(after.db).toBe(before.db);
}

async function expectBackOn160(project: ComposeTestProject, text: string) {
	expect(readFileSync(project.path('docker-compose.yml'), 'utf8')).toBe(text);
	const now = await snapshot(project);
	expect(now.image).toBe(`${w.appRepo}:1.6.0`);
	expect(now.running).toBe(true);
	await waitHealthy(now.app, 60_000);
	expect(await psql(project, 'SELECT max(version) FROM schema_version')).toBe('3');
	expect(await psql(project, 'SELECT count(*) FROM notes')).toBe('3');
	await expectUpRecreatesNothing(project);
}

const NOSTART_TAG = '1.7.1-nostart-compose';

beforeAll(async () => {
	// A target that can be created but never started: its entrypoint does not exist.
	const context = tempDir('uw-nostart-');
	writeFileSync(join(context, 'Dockerfile'), `FROM ${w.appRepo}:1.7.0\nLABEL io.upgrade-wizard.test=1\nENTRYPOINT ["/app/does-not-exist"]\n`);
	await docker(['build', '-q', '-t', `${w.appRepo}:${NOSTART_TAG}`, context]);
	await docker(['push', '-q', `${w.appRepo}:${NOSTART_TAG}`]);
	await docker(['rmi', `${w.appRepo}:${NOSTART_TAG}`]);
	rmSync(context, { recursive: true, force: true });
	original = composeFile('1.6.0');
	shop = await composeProject({ files: { 'docker-compose.yml': original } });
	await shop.up();
	const [app] = await shop.containerIds('app');
	await waitHealthy(app!, 90_000);
	await psql(shop, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'c')");
	await docker(['exec', app!, 'sh', '-c', 'echo named > /data/kept && echo anonymous > /cache/kept']);
}, 180_000);

afterAll(async () => {
	await shop?.down();
});

describe('Compose refusals touch nothing', () => {
	async function refused(args: string[], pattern: RegExp, env?: Record<string, string>) {
		const before = await snapshot(shop);
		const run = await runWizard(['--yes', '--container', await appName(shop), ...args], { env });
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim().split('\n')).toHaveLength(1);
		expect(run.stderr).toMatch(pattern);
		expect(await snapshot(shop)).toEqual(before);
	}

	it('a tag that only the shell environment provides', async () => {
		writeFileSync(shop.path('docker-compose.yml'), composeFile('${APP_TAG}'));
		try {
			await refused(['--to', '1.7.0'], /APP_TAG/, { APP_TAG: '1.6.0' });
		} finally {
			writeFileSync(shop.path('docker-compose.yml'), original);
		}
	});

	it('a read-only compose file', async () => {
		chmodSync(shop.path('docker-compose.yml'), 0o444);
		try {
			await refused(['--to', '1.7.0'], /read-only/);
		} finally {
			chmodSync(shop.path('docker-compose.yml'), 0o644);
		}
		expect(readFileSync(shop.path('docker-compose.yml'), 'utf8')).toBe(original);
	});

	it('a compose file that no longer describes what runs', async () => {
		writeFileSync(shop.path('docker-compose.yml'), composeFile('1.6.1'));
		try {
			await refused(['--to', '1.7.0'], /the compose file no longer describes what runs/);
		} finally {
			writeFileSync(shop.path('docker-compose.yml'), original);
		}
	});

	it('a tag the registry does not have', async () => {
		await refused(['--to', '9.9.9'], /9\.9\.9/);
		expect(readFileSync(shop.path('docker-compose.yml'), 'utf8')).toBe(original);
	});
});

describe('Compose rollback', () => {
	it.each([
		['never turns healthy', '1.7.1-unhealthy'],
		['fails its migration', '1.7.1-badmigration'],
		['cannot start (Compose fails half-way through the recreate)', NOSTART_TAG],
	])('when the new version %s: files byte-identical, the old image back, the database restored', async (_what, tag) => {
		const name = await appName(shop);
		const run = await runWizard(['--yes', '--container', await appName(shop), '--to', tag, '--health-timeout', '15', '--migration-timeout', '15']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/rolled back/);
		expect(run.stdout).not.toContain(PASSWORD);
		await expectBackOn160(shop, original);
		// Under its own name again, whatever Compose renamed it to on the way.
		expect(await appName(shop)).toBe(name);
	});
});

describe('Compose crash', () => {
	it('kill -9 during the health gate, then recover: files back, old image, database restored', async () => {
		const stateHome = newStateHome();
		const killed = await signalWhen(['--yes', '--container', await appName(shop), '--to', '1.7.0'], 'SIGKILL', (event) => event.type === 'step-started' && event.step === 'health', {
			stateHome,
			timeoutMs: 180_000,
		});
		expect(killed.sent).toBe(true);
		// What the crash left: the file names the target.
		expect(readFileSync(shop.path('docker-compose.yml'), 'utf8')).not.toBe(original);
		const dry = await runWizard(['recover', '--dry-run'], { stateHome });
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toMatch(/as the run wrote it/);
		const done = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		await expectBackOn160(shop, original);
		const twice = await runWizard(['recover', '--yes'], { stateHome });
		expect(twice.stdout).toContain('nothing to recover');
	});
});

describe('Compose upgrade', () => {
	it('--dry-run shows the diff and changes nothing', async () => {
		const run = await runWizard(['--yes', '--dry-run', '--container', await appName(shop), '--to', '1.7.0']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain(`-    image: '${w.appRepo}:1.6.0'`);
		expect(run.stdout).toContain(`+    image: '${w.appRepo}:1.7.0'`);
		expect(readFileSync(shop.path('docker-compose.yml'), 'utf8')).toBe(original);
	});

	it('1.6.0 -> 1.7.0 with a migration: only the tag changes, copies kept, volumes kept, db untouched', async () => {
		const before = await snapshot(shop);
		const stateHome = newStateHome();
		const run = await runWizard(['--yes', '--container', await appName(shop), '--to', '1.7.0'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).not.toContain(PASSWORD);
		expect(readFileSync(shop.path('docker-compose.yml'), 'utf8')).toBe(original.replace(`${w.appRepo}:1.6.0`, `${w.appRepo}:1.7.0`));
		const after = await snapshot(shop);
		expect(after.image).toBe(`${w.appRepo}:1.7.0`);
		expect(after.db).toBe(before.db);
		expect(after.app).not.toBe(before.app);
		expect(await psql(shop, 'SELECT max(version) FROM schema_version')).toBe('5');
		expect(await psql(shop, 'SELECT count(*) FROM notes')).toBe('3');
		const kept = await docker(['exec', after.app, 'sh', '-c', 'cat /data/kept /cache/kept']);
		expect(kept.stdout.split('\n')).toEqual(['named', 'anonymous']);
		// The copy of the file as it was, private, in the run's backup dir.
		const copies = join(stateHome, 'upgrade-wizard', 'backups', 'compose');
		const [dir] = readdirSync(copies);
		const [copy] = readdirSync(join(copies, dir!));
		expect(readFileSync(join(copies, dir!, copy!), 'utf8')).toBe(original);
		expect(statSync(join(copies, dir!, copy!)).mode & 0o777).toBe(0o600);
		await expectUpRecreatesNothing(shop);
	});
});

describe('Compose --compose-down', () => {
	it('stops the whole project first (stop, not down), then up -d brings all of it back', async () => {
		const before = await snapshot(shop);
		const run = await runWizard(['--yes', '--compose-down', '--container', await appName(shop), '--to', '1.7.2']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(/stop every service of project uwt\w+/);
		const after = await snapshot(shop);
		expect(after.image).toBe(`${w.appRepo}:1.7.2`);
		// Stopped and started again, never removed: the same database container, running.
		expect(after.db).toBe(before.db);
		expect((await inspect(after.db)).State.Running).toBe(true);
		expect(readFileSync(shop.path('docker-compose.yml'), 'utf8')).toBe(original.replace(`${w.appRepo}:1.6.0`, `${w.appRepo}:1.7.2`));
		expect(await psql(shop, 'SELECT count(*) FROM notes')).toBe('3');
		await expectUpRecreatesNothing(shop);
	});
});

describe('Compose: the tag in .env', () => {
	let project: ComposeTestProject;
	const envText = `# shop settings\nCOMPOSE_HTTP_TIMEOUT=120\nAPP_TAG=1.6.0 # the release\nOTHER=x\n`;
	const file = composeFile('${APP_TAG}');

	afterAll(async () => {
		await project?.down();
	});

	it('changes only that line; the compose file stays byte-identical, whatever the shell says', async () => {
		project = await composeProject({ files: { 'docker-compose.yml': file }, env: envText });
		await project.up();
		const before = await snapshot(project);
		await waitHealthy(before.app, 90_000);
		const run = await runWizard(['--yes', '--container', await appName(project), '--to', '1.6.1', '--health-timeout', '20'], { env: { APP_TAG: '1.6.0' } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(readFileSync(project.path('docker-compose.yml'), 'utf8')).toBe(file);
		expect(readFileSync(project.path('.env'), 'utf8')).toBe(envText.replace('APP_TAG=1.6.0', 'APP_TAG=1.6.1'));
		const after = await snapshot(project);
		expect(after.image).toBe(`${w.appRepo}:1.6.1`);
		expect(after.app).not.toBe(before.app);
		await expectUpRecreatesNothing(project);
	});
});

describe('Compose: two services on one image, one tag', () => {
	let project: ComposeTestProject;
	const envText = 'APP_TAG=1.6.0\n';
	const file = composeFile('${APP_TAG}').replace(
		'volumes:\n  dbdata: {}',
		`  worker:\n    image: ${w.appRepo}:\${APP_TAG}\n    environment:\n      DATABASE_URL: postgresql://shop:${PASSWORD}@db:5432/shop\n    labels:\n      io.upgrade-wizard.test: "1"\nvolumes:\n  dbdata: {}`,
	);
	const nameOf = async (service: string) => (await inspect((await project.containerIds(service))[0]!)).Name.replace(/^\//, '');

	beforeAll(async () => {
		project = await composeProject({ files: { 'docker-compose.yml': file }, env: envText });
		await project.up();
		for (const service of ['app', 'worker']) await waitHealthy((await project.containerIds(service))[0]!, 90_000);
	}, 180_000);

	afterAll(async () => {
		await project?.down();
	});

	it('refuses to upgrade one of them alone: the edit would change the other too', async () => {
		const run = await runWizard(['--yes', '--container', await nameOf('app'), '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr).toMatch(/shared \(variable APP_TAG\) with services\.worker\.image/);
		expect(readFileSync(project.path('.env'), 'utf8')).toBe(envText);
	});

	it('--compose-down takes one service at a time', async () => {
		const run = await runWizard(['--yes', '--compose-down', '--container', await nameOf('app'), '--container', await nameOf('worker'), '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr).toMatch(/--compose-down takes one service at a time/);
	});

	it('upgrades both as one cluster, one at a time, one line of .env changed', async () => {
		const db = (await project.containerIds('db'))[0];
		// Selected as an operator would: the project's label, narrowed to the app's image (not its database).
		const run = await runWizard(['--yes', '--label', `com.docker.compose.project=${project.name}`, '--image', w.appRepo, '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('already named by an earlier service of this run');
		expect(readFileSync(project.path('.env'), 'utf8')).toBe('APP_TAG=1.6.1\n');
		expect(readFileSync(project.path('docker-compose.yml'), 'utf8')).toBe(file);
		for (const service of ['app', 'worker']) expect((await inspect((await project.containerIds(service))[0]!)).Config.Image).toBe(`${w.appRepo}:1.6.1`);
		expect((await project.containerIds('db'))[0]).toBe(db);
		await expectUpRecreatesNothing(project);
	});
});
