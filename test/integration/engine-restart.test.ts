import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack } from '../support/original-back.js';
import { newStateHome, runWizard } from '../support/wizard.js';

// The test world's own engine is restarted (the dockerd test/world/up.sh
// started: its pid file is in the world dir) during the health gate. The run
// must end in a rollback, or, if it could not, `recover` brings it back.
// Only the world's own dockerd is ever stopped: an engine the world found
// already running belongs to someone else, and this cell then cannot run.

const w = world();
const id = uniqueName('eng');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'upgrade-wizard.js');
const pidFile = join(w.dir, 'dockerd.pid');
let db: TestDatabase | undefined;

function worldDockerd(): number | undefined {
	if (!existsSync(pidFile)) return undefined;
	const pid = Number(readFileSync(pidFile, 'utf8').trim());
	try {
		const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
		return comm === 'dockerd' ? pid : undefined;
	} catch {
		return undefined;
	}
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${what} within ${timeoutMs} ms`);
}

const engineAnswers = async () => (await execa('docker', ['version'], { reject: false, timeout: 5_000 })).exitCode === 0;

/** Stop the world's dockerd and start it again the way up.sh does. */
async function restartWorldEngine(pid: number): Promise<void> {
	process.kill(pid, 'SIGTERM');
	await until('dockerd stopped', () => !existsSync(`/proc/${pid}`), 60_000);
	const log = openSync(join(w.dir, 'dockerd.log'), 'a');
	spawn('setsid', ['dockerd', '--pidfile', pidFile], { detached: true, stdio: ['ignore', log, log] }).unref();
	await until('dockerd answers again', engineAnswers, 60_000);
}

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('the engine restarts during the health gate', () => {
	it.runIf(worldDockerd() !== undefined)('ends in a rollback (or recover brings it back): the original is back and healthy', async () => {
		db = await createTestDatabase(w);
		const name = `${id}-app`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const stateHome = newStateHome();
		const child = execa('node', [bin, '--yes', '--json', '--container', name, '--to', '1.6.1', '--health-timeout', '90'], {
			env: { XDG_STATE_HOME: stateHome },
			reject: false,
			stdin: 'ignore',
			buffer: false,
			timeout: 240_000,
		});
		let restarting: Promise<void> | undefined;
		const events: Array<{ type: string; step?: string }> = [];
		createInterface({ input: child.stdout! }).on('line', (line) => {
			const event = JSON.parse(line) as { type: string; step?: string };
			events.push(event);
			if (!restarting && event.type === 'step-started' && event.step === 'health') restarting = restartWorldEngine(worldDockerd()!);
		});
		const result = await child;
		await restarting;
		expect(restarting, JSON.stringify(events.slice(-5))).toBeDefined();
		// Rolled back (1), or the rollback could not finish (3): never "upgraded" on an engine that lost the new container.
		expect([1, 3], JSON.stringify(events.slice(-8))).toContain(result.exitCode);
		if (result.exitCode !== 1) {
			// The run could not finish its rollback: recover, from the journal, must.
			const recovered = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
			expect(recovered.exitCode, recovered.stdout + recovered.stderr).toBe(0);
		}
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`, 60_000);
	});
});
