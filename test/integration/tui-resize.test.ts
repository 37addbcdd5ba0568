import { describe, expect, it } from 'vitest';
import { inspect } from '../support/docker.js';
import { tmux, wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';
import { terminalAppCase } from '../support/terminal-app.js';

// The window shrinks in the middle of a run (120x40 -> 80x24, as when a
// terminal is snapped to half a screen): every frame after it is one clean
// frame of the new size. Before, the previous frame's wrapped lines stayed
// above the new one (two headers on screen) and the history interleaved
// with the step list.

const { w, name, session, screen, waitForScreen, keys } = terminalAppCase('tuisize');

const header = /^(Upgrading to \S+|Rolling back|Finished) · /;

describe('a run whose window shrinks', () => {
	it('draws one clean frame of the new size, no leftover of the old one', async () => {
		const state = tempDir('uw-tuisize-');
		const wizard = await wizardInTerminal(session, { state, args: ['--container', name, '--to', '1.8.0'], columns: 120, rows: 40 });
		await waitForScreen(`[x] ${name}`);
		await keys('Enter');
		await waitForScreen(/› 1\.8\.0 +MINOR +via 1\.7\.2/, 60_000);
		await keys('Enter');
		await waitForScreen('The plan');
		await keys('Enter');

		const after: string[] = [];
		const answered = new Set<string>();
		const deadline = Date.now() + 300_000;
		let resized = false;
		let last = '';
		while (Date.now() < deadline) {
			last = await screen();
			if (resized) after.push(last);
			if (last.includes('Upgrade complete') || /exit code \d/.test(last)) break;
			const gate = /^\? (.+)$/m.exec(last)?.[1]?.trim();
			if (gate && !answered.has(gate)) {
				answered.add(gate);
				await keys('y', 'Enter');
			}
			// Mid-run: the first hop has stopped the old container, history lines are above the frame.
			if (!resized && /^\s+✔ stop/m.test(last)) {
				await tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
				resized = true;
				await new Promise((resolve) => setTimeout(resolve, 400));
			}
			await new Promise((resolve) => setTimeout(resolve, 150));
		}
		expect(resized, last).toBe(true);
		expect(last, last).toContain('Upgrade complete');
		const running = after.filter((frame) => frame.split('\n').some((line) => /^Upgrading to /.test(line)));
		expect(running.length, after.slice(-3).join('\n----\n')).toBeGreaterThan(0);
		for (const frame of running) {
			const lines = frame.split('\n');
			expect(lines.length).toBeLessThanOrEqual(24);
			for (const line of lines) expect(line.length, frame).toBeLessThanOrEqual(80);
			// One header, and the live frame below the history, never history lines inside it.
			const headers = lines.map((line, index) => (header.test(line) ? index : -1)).filter((index) => index >= 0);
			expect(headers.length, frame).toBe(1);
			const below = lines.slice(headers[0]! + 1);
			expect(below.filter((line) => /^✔ /.test(line)), frame).toEqual([]);
		}
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.8.0`);
	}, 400_000);
});
