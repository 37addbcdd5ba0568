import { describe, expect, it } from 'vitest';
import { inspect, waitHealthy } from '../support/docker.js';
import { wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';
import { terminalAppCase } from '../support/terminal-app.js';

// The real binary in a real terminal: tmux runs it, send-keys drives it,
// capture-pane reads every screen, and the container really ends on 1.7.0.

const { w, name, session, waitForScreen, keys } = terminalAppCase('tmux');

describe('upgrade-wizard in a real terminal', () => {
	it('walks every screen by keyboard and upgrades the container', async () => {
		const state = tempDir('uw-tmux-');
		// 80x24: the wizard must be readable in the smallest common terminal.
		let wizard = await wizardInTerminal(session, { state, args: ['--container', name] });

		const containers = await waitForScreen(`[x] ${name}`);
		expect(containers).toContain('[2 Containers]');
		await keys('?');
		await waitForScreen(/help/i);
		await keys('?');
		await keys('Enter');
		// The screen comes at once, its versions when the registry has answered (slow on a loaded machine).
		const versions = await waitForScreen(/1\.8\.0 +MINOR +via 1\.7\.2/, 60_000);
		expect(versions).toContain('[3 Version]');
		// Down from the proposed 1.8.0 to 1.7.0.
		await keys('j', 'j');
		await waitForScreen(/› 1\.7\.0/);
		await keys('Enter');
		await waitForScreen('The plan');
		await keys('Enter');
		await waitForScreen('Back up the database');
		await keys('Enter');
		// Enter alone is no: the run stops there, nothing touched.
		const refused = await waitForScreen(/Summary\]|exit code 2/, 30_000);
		expect(refused).toMatch(/not confirmed|nothing was changed/);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.6.0`);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('2');

		// Again, this time saying yes to every gate.
		wizard = await wizardInTerminal(session, { state, args: ['--container', name, '--to', '1.7.0'] });
		await waitForScreen(`[x] ${name}`);
		await keys('Enter');
		await waitForScreen(/› 1\.7\.0/);
		await keys('Enter');
		await waitForScreen('The plan');
		await keys('Enter');
		await waitForScreen('Back up the database');
		await keys('y', 'Enter');
		await waitForScreen('Schema migration in 1.7.0');
		await keys('y', 'Enter');
		const done = await waitForScreen('Upgrade complete', 120_000);
		expect(done).toMatch(/upgraded/);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.7.0`);
		expect(after.State.Running).toBe(true);
		// The gate may pass on its own checks before the engine's status flips.
		await waitHealthy(name, 30_000);
	});
});
