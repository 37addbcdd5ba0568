import { describe, expect, it } from 'vitest';
import { inspect } from '../support/docker.js';
import { wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';
import { terminalAppCase } from '../support/terminal-app.js';

// A multi-hop upgrade (1.6.0 -> 1.7.2 -> 1.8.0) watched in a real terminal at
// 80x24: every frame of the run screen is read while it runs. The header's
// downtime never goes negative, the second hop's step list starts afresh
// (its health gate runs while no step of it says done past the gate), and
// the summary lists each hop's backup with the version it returns to and a
// timeline of both hops with their down windows.

const { w, name, session, screen, waitForScreen, keys } = terminalAppCase('tmuxhop');

describe('a multi-hop upgrade in a real terminal', () => {
	it('shows each hop afresh, never a negative downtime, and a summary of both hops', async () => {
		const state = tempDir('uw-tmuxhop-');
		const wizard = await wizardInTerminal(session, { state, args: ['--container', name, '--to', '1.8.0'] });
		await waitForScreen(`[x] ${name}`);
		await keys('Enter');
		await waitForScreen(/› 1\.8\.0 +MINOR +via 1\.7\.2/, 60_000);
		await keys('Enter');
		await waitForScreen('The plan');
		await keys('Enter');

		// Answer every gate as it comes, and keep every frame of the run.
		const frames: string[] = [];
		const answered = new Set<string>();
		const deadline = Date.now() + 300_000;
		let last = '';
		while (Date.now() < deadline) {
			last = await screen();
			frames.push(last);
			if (last.includes('Upgrade complete') || /exit code \d/.test(last)) break;
			// A gate on screen ("? <title>") not answered yet: yes.
			const gate = /^\? (.+)$/m.exec(last)?.[1]?.trim();
			if (gate && !answered.has(gate)) {
				answered.add(gate);
				await keys('y', 'Enter');
			}
			// Often: with the new container created before the stop and the gate's own checks, a hop's health step can last well under a second.
			await new Promise((resolve) => setTimeout(resolve, 30));
		}
		expect(last, last).toContain('Upgrade complete');

		// Never a negative downtime in any frame.
		for (const frame of frames) expect(frame).not.toMatch(/downtime -\d/);
		// The second hop's health gate, drawn while it runs: its remove-old is not shown done from the first hop.
		// (The step list's pull line names the hop's image: 1.8.0 is the second hop.)
		const spinner = /^\s+[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] health\b/m;
		const hopTwoHealth = frames.filter((frame) => /^\s+✔ pull .*acme\/app:1\.8\.0/m.test(frame) && spinner.test(frame));
		expect(hopTwoHealth.length, frames.slice(-20).join('\n----\n')).toBeGreaterThan(0);
		for (const frame of hopTwoHealth) expect(frame).toMatch(/^\s+· remove-old/m);

		// The summary: each hop's backup with the version it returns to, and the timeline of both hops.
		// The summary is longer than 24 lines: scroll it through, keeping every line seen.
		const seen: string[] = [];
		for (let page = 0; page < 40; page++) {
			for (const line of (await screen()).split('\n')) if (!seen.includes(line)) seen.push(line);
			if (seen.some((line) => line.includes('exit code 0'))) break;
			await keys('j', 'j', 'j');
		}
		const summary = seen.join('\n');
		const text = summary.split('\n').map((line) => line.trim()).join(' ');
		expect(text).toMatch(/restores 1\.6\.0/);
		expect(text).toMatch(/restores 1\.7\.2/);
		expect(summary).toMatch(/timeline: 0 to /);
		expect(summary).toMatch(/^\s+1\.7\.2\s+pull/m);
		expect(summary).toMatch(/^\s+1\.8\.0\s+pull/m);
		expect(summary.match(/^\s+down\s+ *░+/gm)?.length).toBe(2);
		for (const line of summary.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.8.0`);
	}, 400_000);
});
