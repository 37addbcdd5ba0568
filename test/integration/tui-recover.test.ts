import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { exists, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { terminal, tmux, wizardInTerminal } from '../support/tmux.js';
import { signalWhen, type WizardEvent } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// `upgrade-wizard recover` in a real terminal: a real run is killed with
// SIGKILL right after it parked the container as <name>-old, then tmux runs
// the recover command, capture-pane reads the Recovery screen, send-keys
// answers it, and the original container must be back (same ID, running,
// healthy, no <name>-old).

const w = world();
const id = uniqueName('tuirec');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const name = `${id}-app`;
const session = `uw-${id}`;
let db: TestDatabase;
let originalId: string;

const { waitForScreen, keys } = terminal(session);

/** Run the wizard with --json and SIGKILL it as soon as an event matches. */
async function killWhen(args: string[], stateHome: string, match: (event: WizardEvent) => boolean): Promise<void> {
	const run = await signalWhen(args, 'SIGKILL', match, { stateHome, timeoutMs: 120_000 });
	expect(run.sent, `the wizard ended before the boundary: ${JSON.stringify(run.events.slice(-5))}`).toBe(true);
}

async function expectOriginalBack() {
	const after = await inspect(name);
	expect(after.Id).toBe(originalId);
	expect(after.State.Running).toBe(true);
	await waitHealthy(name, 30_000);
	expect(await exists(`${name}-old`)).toBe(false);
}

function journalOf(stateHome: string): { runId: string; status: string } {
	const dir = join(stateHome, 'upgrade-wizard', 'runs');
	const [file] = readdirSync(dir).filter((entry) => entry.endsWith('.json'));
	return JSON.parse(readFileSync(join(dir, file!), 'utf8'));
}

beforeAll(async () => {
	db = await createTestDatabase(w);
	originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
});

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('upgrade-wizard recover in a real terminal', () => {
	it('shows the interrupted run, recovers it on r, y, enter, and the original container is back', async () => {
		const state = tempDir('uw-tui-recover-');
		await killWhen(['--yes', '--container', name, '--to', '1.6.1'], state, (event) => event.type === 'step-done' && event.step === 'rename');
		expect(await exists(`${name}-old`)).toBe(true);
		const { runId } = journalOf(state);

		// 80x24: the smallest terminal the wizard promises to be readable in.
		const wizard = await wizardInTerminal(session, { state, args: ['recover'], env: [`DOCKER_HOST=${w.dockerHost}`] });

		const shown = await waitForScreen(`Run ${runId}`);
		expect(shown).toContain('[2 Recovery]');
		expect(shown).toMatch(/started \d{4}-\d\d-\d\d \d\d:\d\d .*by \S+@\S+ \(pid \d+\)/);
		expect(shown).toContain(`containers: ${name}`);
		expect(shown).toContain('On the engine now');
		expect(shown).toContain(`${name}-old`);
		expect(shown).toContain('Recover will');
		expect(shown).toContain(`rename ${name}-old back to ${name}`);
		expect(shown).not.toContain('s skip');
		for (const line of shown.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		// No password reaches the screen (the app's DATABASE_URL holds one).
		expect(shown).not.toContain(db.password);

		// Enter alone asks, and enter alone again declines: nothing touched.
		await keys('Enter');
		await waitForScreen('Recover this run?');
		await keys('Enter');
		await waitForScreen('Not recovered: nothing was touched.');
		expect(await exists(`${name}-old`)).toBe(true);

		await keys('r', 'y', 'Enter');
		const done = await waitForScreen('Recovery complete', 120_000);
		expect(done).toContain('[4 Summary]');
		expect(done).toContain('rolled back');
		expect(done).toContain('exit code 0');
		expect(done).not.toContain(db.password);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		await expectOriginalBack();
		expect(journalOf(state).status).not.toBe('running');
	});

	it('the wizard opens on the Recovery screen before the containers, recovers, then goes on to the container list', async () => {
		const state = tempDir('uw-tui-recover-');
		// Killed after the new container started: recover removes it, renames the old one back and starts it.
		await killWhen(['--yes', '--container', name, '--to', '1.6.1'], state, (event) => event.type === 'step-done' && event.step === 'start');
		const { runId } = journalOf(state);
		const wizard = await wizardInTerminal(session, { state, args: ['--container', name], env: [`DOCKER_HOST=${w.dockerHost}`] });

		const shown = await waitForScreen(`Run ${runId}`);
		expect(shown).toContain('[2 Recovery]');
		expect(shown).toContain(`remove the new ${name}`);
		expect(shown).toContain(`s skips to the containers; ${name} cannot be upgraded until recovered`);
		expect(shown).not.toContain('[x]');

		await keys('r', 'y', 'Enter');
		await waitForScreen('Recovery complete', 120_000);
		await waitForScreen('enter go on to the containers');
		await keys('Enter');
		const list = await waitForScreen(`[x] ${name}`);
		expect(list).toContain('[2 Containers]');
		await expectOriginalBack();
		await keys('q');
		expect(await wizard.exitStatus()).toBe('2');
	});
});
