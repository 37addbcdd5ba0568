import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { dockerOn, uniqueName } from '../support/docker.js';
import { createService, removeServicesByLabel, serviceTasks, waitServiceRunning } from '../support/swarm.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';

// Swarm services (issue 13) on the world's single-node swarm: the engine's own
// rolling update does the swap, pinned by digest, followed to `completed`;
// a target that never turns healthy is rolled back by the engine (exit 1, the
// database restored after a migrating start); a task container selected by
// name goes through its service; kill -9 mid-update and `recover` puts the
// service and the database back.

const w = world();
const id = uniqueName('swm');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const e2 = dockerOn(w.swarmHost);
let db: TestDatabase;

const schemaOf = async () => (await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v;
const specImage = async (service: string) => (await e2.docker(['service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', service])).stdout.trim();
const digestOf = async (ref: string) => {
	const repoDigests = JSON.parse((await e2.docker(['image', 'inspect', '-f', '{{json .RepoDigests}}', ref])).stdout) as string[];
	return repoDigests.find((entry) => entry.startsWith(`${w.appRepo}@`))!.split('@')[1]!;
};

/** A service of the app on the test database (through the world's Postgres socket), healthy. */
async function appService(suffix: string, replicas: number): Promise<string> {
	const name = `${id}-${suffix}`;
	await createService(w.swarmHost, {
		name,
		image: `${w.appRepo}:1.6.0`,
		caseLabel,
		replicas,
		args: ['--mount', `type=bind,src=${w.pgSocketDir},dst=/run/postgresql`, '--env', `DATABASE_URL=${db.containerUrl}`],
	});
	await waitServiceRunning(w.swarmHost, name, replicas);
	return name;
}

/** Every task that should run runs `tag` (by the image its spec names) and is healthy. */
async function expectTasksOn(service: string, tag: string, replicas: number) {
	await waitServiceRunning(w.swarmHost, service, replicas, 60_000);
	const tasks = (await serviceTasks(w.swarmHost, service)).filter((task) => task.desiredState === 'running');
	expect(tasks).toHaveLength(replicas);
	for (const task of tasks) {
		const image = (await e2.docker(['inspect', '-f', '{{.Config.Image}}', task.containerId])).stdout.trim();
		expect(image.split('@')[0]).toBe(`${w.appRepo}:${tag}`);
	}
}

function journalOf(stateHome: string): any {
	const dir = join(stateHome, 'upgrade-wizard', 'runs');
	const [file] = readdirSync(dir).filter((entry) => entry.endsWith('.json'));
	return JSON.parse(readFileSync(join(dir, file!), 'utf8'));
}

const parse = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as WizardEvent & { detail?: string; status?: string; summary?: any });

beforeAll(async () => {
	db = await createTestDatabase(w);
	// The manager pulls the fixture once; the tasks then start without the registry.
	await e2.docker(['pull', '-q', `${w.appRepo}:1.6.0`]);
});

afterAll(async () => {
	await removeServicesByLabel(w.swarmHost, caseLabel);
	await db?.drop();
});

describe('a Swarm service', () => {
	it('upgrades a 2-replica service through the engine: spec pinned by digest, backup first, every task on the new image', async () => {
		const service = await appService('ok', 2);
		const stateHome = newStateHome();
		const run = await runWizard(['--yes', '--json', '--host', w.swarmHost, '--service', service, '--to', '1.6.1', '--health-timeout', '5'], { stateHome, timeoutMs: 240_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const events = parse(run.stdout);
		const steps = events.flatMap((event) => (event.type === 'step-done' ? [event.step] : []));
		expect(steps).toEqual(['pull', 'backup', 'start', 'health', 'remove-old']);
		// Progress: tasks updated out of the replicas, ending with the engine's word.
		const health = events.filter((event) => event.type === 'health').map((event) => event.detail);
		expect(health).toContain('2/2 tasks on 1.6.1');
		expect(health.at(-1)).toBe('the engine reports the update completed');
		expect(run.stderr).not.toContain(db.password);
		expect(run.stdout).not.toContain(db.password);

		expect(await specImage(service)).toBe(`${w.appRepo}:1.6.1@${await digestOf(`${w.appRepo}:1.6.1`)}`);
		await expectTasksOn(service, '1.6.1', 2);
		const summary = events.find((event) => event.type === 'run-done')!.summary;
		expect(summary.containers.map((each: any) => `${each.container} ${each.result}`)).toEqual([`${service} upgraded`]);
		const journal = journalOf(stateHome);
		expect(journal.status).toBe('done');
		const record = Object.values(journal.containers)[0] as any;
		expect(record).toMatchObject({ kind: 'swarm-service', service, oldImage: expect.stringMatching(/acme\/app:1\.6\.0@sha256:/) });
		expect(record.actions.map((action: any) => `${action.kind}:${action.undo.kind}`)).toEqual(['update-service:service-rollback', 'healthy:none', 'commit:none']);
		expect(journal.backups).toHaveLength(1);
	});

	it('a target that never turns healthy is rolled back by the engine: exit 1, old image, the migrated database restored', async () => {
		const service = await appService('bad', 1);
		const before = await specImage(service);
		expect(await schemaOf()).toBe(3);
		const run = await runWizard(['--yes', '--host', w.swarmHost, '--service', service, '--to', '1.7.1-unhealthy', '--health-timeout', '5'], { timeoutMs: 240_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain(`the engine rolled service ${service} back to ${before}`);
		expect(run.stdout).toMatch(/restore done in .*row counts equal to the backup's/);
		expect(run.stdout).toContain(`rollback complete: service ${service} is back on ${before}, database restored from the backup`);
		expect(await specImage(service)).toBe(before);
		await expectTasksOn(service, '1.6.0', 1);
		// The new task had migrated the schema before it failed its healthcheck; the restore took it back.
		const logs = await e2.docker(['service', 'logs', '--raw', service]);
		expect(logs.stdout + logs.stderr).toMatch(/acme\/app 1\.7\.1-unhealthy[\s\S]*schema is now 5/);
		expect(await schemaOf()).toBe(3);
	});

	it('a task container selected by name upgrades its service (the CLI\'s repo:tag@digest compared without the digest)', async () => {
		const service = await appService('task', 1);
		const [task] = await serviceTasks(w.swarmHost, service);
		const taskName = (await e2.docker(['inspect', '-f', '{{.Name}}', task!.containerId])).stdout.trim().replace(/^\//, '');
		const dry = await runWizard(['--yes', '--dry-run', '--host', w.swarmHost, '--container', taskName, '--to', '1.6.1', '--skip-backup', '--health-timeout', '5']);
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toContain(`Swarm service ${service} (1 replica), upgraded by the engine's own rolling update`);
		expect(dry.stdout).toMatch(/update FailureAction: \(engine default\) -> rollback/);
		expect(await specImage(service)).toMatch(/acme\/app:1\.6\.0@sha256:/);

		const run = await runWizard(['--yes', '--host', w.swarmHost, '--container', taskName, '--to', '1.6.1', '--skip-backup', '--health-timeout', '5'], { timeoutMs: 240_000 });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain(`${service}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.6.1: upgraded`);
		await expectTasksOn(service, '1.6.1', 1);
	});

	it('kill -9 while the engine updates: recover follows the update to its end, rolls the service back and restores the database', async () => {
		const service = await appService('kill', 1);
		const before = await specImage(service);
		const stateHome = newStateHome();
		const killed = await signalWhen(
			['--yes', '--host', w.swarmHost, '--service', service, '--to', '1.7.0', '--health-timeout', '5'],
			'SIGKILL',
			// The gate announces nothing: the first reading of the update is the moment.
			(event) => event.type === 'health' && event.container === service,
			{ stateHome, timeoutMs: 150_000 },
		);
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		expect(journalOf(stateHome).status).toBe('running');
		expect(await specImage(service)).toMatch(/acme\/app:1\.7\.0@sha256:/);

		const dry = await runWizard(['recover', '--dry-run', '--host', w.swarmHost], { stateHome });
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toContain(`service ${service}: spec image ${w.appRepo}:1.7.0@sha256:`);
		const done = await runWizard(['recover', '--yes', '--host', w.swarmHost], { stateHome, timeoutMs: 240_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(await specImage(service)).toBe(before);
		await expectTasksOn(service, '1.6.0', 1);
		expect(await schemaOf()).toBe(3);
		expect(journalOf(stateHome).status).toBe('recovered');
		const twice = await runWizard(['recover', '--yes', '--host', w.swarmHost], { stateHome });
		expect(twice.exitCode).toBe(0);
		expect(twice.stdout).toContain('nothing to recover');
	});
});
