import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { dockerOn, TEST_LABEL, uniqueName } from '../support/docker.js';
import { terminal, tmux, wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';

// The interactive wizard over the world's two real engines (issue 13): the
// shipped binary in tmux with --host twice, one app on each engine sharing one
// database. The Containers screen lists them under a heading per engine, the
// run goes through the screens and both end on the new version, healthy, no
// `-old` left; the same for one name on both engines (the usual cluster),
// each named with its engine. Then the refusal the screens give instead of
// crashing: an engine that does not answer.

const w = world();
const id = uniqueName('tui-eng');
const caseLabel = `io.upgrade-wizard.case=${id}`;
/** One test's containers: a key of its own, since a second `case=` label would replace caseLabel and afterAll would miss them. */
const nodesLabel = (suffix: string) => `io.upgrade-wizard.nodes=${id}-${suffix}`;
const session = `uw-${id}`;
const e1 = dockerOn(w.dockerHost);
const e2 = dockerOn(w.engine2Host);
const { waitForScreen, keys } = terminal(session);
const hosts = ['--host', w.dockerHost, '--host', w.engine2Host];
let db: TestDatabase;

/** An app on 1.6.0 on `engine`, on the shared database; on the second engine without a network (it has no bridge for the world's). */
async function startOn(engine: ReturnType<typeof dockerOn>, name: string, label: string): Promise<string> {
	const network = engine === e2 ? ['--network', 'none'] : [];
	const { stdout } = await engine.docker([
		'run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '--label', label, ...network,
		'-e', `DATABASE_URL=${db.containerUrl}`, '-v', db.socketMount, `${w.appRepo}:1.6.0`,
	]);
	await engine.waitHealthy(name, 90_000);
	return stdout.trim();
}

/** The run's gates answered yes (one backup for the shared database, a migration gate when the hop has one), to the summary. */
async function throughTheGates(): Promise<string> {
	await waitForScreen('Back up the database', 60_000);
	await keys('y', 'Enter');
	const next = await waitForScreen(/Schema migration|Upgrade complete/, 180_000);
	if (next.includes('Schema migration')) await keys('y', 'Enter');
	return waitForScreen('Upgrade complete', 180_000);
}

/** `name` on `engine` runs 1.6.1 in a new container, healthy, with no `-old` left. */
async function expectUpgraded(engine: ReturnType<typeof dockerOn>, name: string, oldId: string | undefined): Promise<void> {
	const after = await engine.inspect(name);
	expect(after.Config.Image).toBe(`${w.appRepo}:1.6.1`);
	expect(after.State.Running).toBe(true);
	expect(after.Id).not.toBe(oldId);
	await engine.waitHealthy(name, 30_000);
	expect(await engine.exists(`${name}-old`)).toBe(false);
}

beforeAll(async () => {
	db = await createTestDatabase(w);
	// The second engine pulls from the world's registry on loopback; pulled here, the first start is not a pull.
	await e2.docker(['pull', `${w.appRepo}:1.6.0`]);
});

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await e1.removeByLabel(caseLabel);
	await e2.removeByLabel(caseLabel);
	await db?.drop();
});

describe('the wizard over two engines in a real terminal', () => {
	it('groups the containers by engine and upgrades one on each through the screens', async () => {
		const label = nodesLabel('ok');
		const a = `${id}-a`;
		const b = `${id}-b`;
		const ids = await Promise.all([startOn(e1, a, label), startOn(e2, b, label)]);
		const state = tempDir('uw-tui-engines-');
		const wizard = await wizardInTerminal(session, { state, columns: 100, rows: 30, args: [...hosts, '--label', label, '--to', '1.6.1'] });

		const containers = await waitForScreen(`[x] ${b}`, 30_000);
		expect(containers).toContain('[2 Containers]');
		expect(containers).toContain(`2 engines: ${w.dockerHost}, ${w.engine2Host}`);
		const lines = containers.split('\n');
		const headingOf = (host: string) => lines.findIndex((line) => line.startsWith(`engine ${host} (`));
		const rowOf = (name: string) => lines.findIndex((line) => line.includes(`[x] ${name} `));
		// Each container under its own engine's heading, the engines in the order given.
		expect(headingOf(w.dockerHost)).toBeGreaterThan(0);
		expect(rowOf(a)).toBeGreaterThan(headingOf(w.dockerHost));
		expect(headingOf(w.engine2Host)).toBeGreaterThan(rowOf(a));
		expect(rowOf(b)).toBeGreaterThan(headingOf(w.engine2Host));

		await keys('Enter');
		await waitForScreen(/› 1\.6\.1/, 60_000);
		await keys('Enter');
		const plan = await waitForScreen('The plan', 60_000);
		expect(plan).toContain('on 2 engines');
		expect(plan).toContain(`${a} on ${w.dockerHost}`);
		await keys('Enter');
		// One backup for the shared database (one gate for both engines); a migration gate only if the hop has one.
		const done = await throughTheGates();
		expect(done).toContain(a);
		expect(done).toContain(b);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');

		await expectUpgraded(e1, a, ids[0]);
		await expectUpgraded(e2, b, ids[1]);
	});

	it('upgrades one name ticked on both engines through the screens, each named with its engine', async () => {
		const label = nodesLabel('same');
		const name = `${id}-same`;
		const ids = await Promise.all([startOn(e1, name, label), startOn(e2, name, label)]);
		const wizard = await wizardInTerminal(session, { state: tempDir('uw-tui-engines-'), columns: 240, rows: 40, args: [...hosts, '--container', name, '--to', '1.6.1'] });
		// Ticked on both: --container applies on every engine, as with --yes.
		await waitForScreen(/^2 of \d+ ticked/m, 30_000);
		await keys('Enter');
		await waitForScreen(/› 1\.6\.1/, 60_000);
		await keys('Enter');
		const plan = await waitForScreen('The plan', 60_000);
		expect(plan).toContain(`${name} on ${w.dockerHost}`);
		expect(plan).toContain(`${name} on ${w.engine2Host}`);
		expect(plan).not.toContain('is selected on');
		await keys('Enter');
		const done = await throughTheGates();
		expect(done).toMatch(new RegExp(`${name} on ${w.dockerHost.replace(/[/.]/g, '\\$&')}\\s+1\\.6\\.0 → 1\\.6\\.1\\s+upgraded`));
		expect(done).toMatch(new RegExp(`${name} on ${w.engine2Host.replace(/[/.]/g, '\\$&')}\\s+1\\.6\\.0 → 1\\.6\\.1\\s+upgraded`));
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		await expectUpgraded(e1, name, ids[0]);
		await expectUpgraded(e2, name, ids[1]);
	});

	it('names the engine that does not answer on the Engine screen', async () => {
		const gone = `unix://${tempDir('uw-tui-engines-')}/docker.sock`;
		const wizard = await wizardInTerminal(session, { state: tempDir('uw-tui-engines-'), columns: 120, rows: 30, args: ['--host', w.dockerHost, '--host', gone] });
		const screen = await waitForScreen(`The Docker engine ${gone} did not answer.`, 20_000);
		expect(screen).toContain('nothing was touched on any engine');
		expect(screen).toContain('r retry');
		await keys('q');
		expect(await wizard.exitStatus()).toBe('2');
	});
});
