import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { dockerOn, uniqueName } from '../support/docker.js';
import { terminal, tmux, wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';
import { createService, removeServicesByLabel, serviceTasks, waitServiceRunning } from '../support/swarm.js';

// A Swarm service through the interactive wizard (issue 13): the Containers
// screen lists a service's task containers like any other; ticking one goes
// through its service, as `--container TASK --yes` does: the plan says the
// engine's rolling update, the backup and migration gates come first, and the
// service ends on the new image, every task healthy.

const w = world();
const id = uniqueName('tui-swm');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const session = `uw-${id}`;
const e2 = dockerOn(w.swarmHost);
const { waitForScreen, keys, screen } = terminal(session);
let db: TestDatabase;

beforeAll(async () => {
	db = await createTestDatabase(w);
	await e2.docker(['pull', '-q', `${w.appRepo}:1.6.0`]);
});

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await removeServicesByLabel(w.swarmHost, caseLabel);
	await db?.drop();
});

describe('a Swarm service in a real terminal', () => {
	it('a ticked task container upgrades its service through the engine', async () => {
		const service = `${id}-svc`;
		await createService(w.swarmHost, {
			name: service,
			image: `${w.appRepo}:1.6.0`,
			caseLabel,
			replicas: 2,
			args: ['--mount', `type=bind,src=${w.pgSocketDir},dst=/run/postgresql`, '--env', `DATABASE_URL=${db.containerUrl}`],
		});
		const [task] = await waitServiceRunning(w.swarmHost, service, 2);
		const taskName = (await e2.inspect(task!.containerId)).Name.replace(/^\//, '');
		const wizard = await wizardInTerminal(session, {
			state: tempDir('uw-tui-swarm-'),
			columns: 160,
			rows: 40,
			args: ['--host', w.swarmHost, '--container', taskName, '--to', '1.6.1', '--health-timeout', '5'],
		});
		// Task names are long (service.slot.task-id): the row shows the start of it.
		const containers = await waitForScreen(`[x] ${service}.`, 30_000);
		// Both tasks, under their service's heading.
		expect(containers).toContain(`swarm service ${service} (ticking a task upgrades the service)`);
		expect(containers.match(new RegExp(`\\[[ x]\\] ${service}\\.`, 'g'))).toHaveLength(2);
		await keys('Enter');
		await waitForScreen(/› 1\.6\.1/, 60_000);
		await keys('Enter');
		const plan = await waitForScreen('The plan', 60_000);
		expect(plan).toContain('The plan: 1 service to 1.6.1');
		expect(plan).toContain(`update service ${service} to ${w.appRepo}:1.6.1@sha256:`);
		expect(plan).toContain('health: each new task stays up for 5 s with its own healthcheck passing');
		await keys('Enter');
		await waitForScreen('Back up the database', 60_000);
		await keys('y', 'Enter');
		// While the engine replaces the tasks, the step list shows the follow running (a spinner on health).
		const following = await waitForScreen(/^\s+[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] health\b/m, 120_000);
		expect(following).toMatch(/✔ start\s.*update sent/);
		const done = await waitForScreen(/Upgrade complete|exit code|failed|refused/i, 240_000).catch(async (error) => {
			throw new Error(`${(error as Error).message}\n---\n${await screen()}`);
		});
		expect(done, done).toContain('Upgrade complete');
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		const tasks = (await serviceTasks(w.swarmHost, service)).filter((each) => each.desiredState === 'running');
		expect(tasks).toHaveLength(2);
		for (const each of tasks) {
			const image = (await e2.docker(['inspect', '-f', '{{.Config.Image}}', each.containerId])).stdout.trim();
			expect(image.split('@')[0]).toBe(`${w.appRepo}:1.6.1`);
		}
	}, 400_000);
});
