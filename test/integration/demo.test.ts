import { afterAll, describe, expect, it } from 'vitest';
import { docker, inspect } from '../support/docker.js';
import { newStateHome, runWizard } from '../support/wizard.js';

// `upgrade-wizard demo` is the README's first command: a disposable stack (the
// fixture app at 1.6.0 and its Postgres in a container) built offline from the
// test world's recipe, in a world of its own; `demo --down` removes all of it.

const stateHome = newStateHome();

afterAll(async () => {
	await runWizard(['demo', '--down'], { stateHome });
});

describe('demo', () => {
	it('starts the stack, which the wizard upgrades, and removes it again', async () => {
		const up = await runWizard(['demo'], { stateHome, timeoutMs: 600_000 });
		expect(up.exitCode, up.stderr).toBe(0);
		expect(up.stderr).toContain('upgrade-wizard --yes --container uw-demo-app');
		const app = await inspect('uw-demo-app');
		expect(app.State.Health.Status).toBe('healthy');
		expect(app.Config.Labels['io.upgrade-wizard.demo']).toBe('1');
		// Test cleanups must never take the demo along.
		expect(app.Config.Labels['io.upgrade-wizard.test']).toBe('0');
		const db = await inspect('uw-demo-db');
		expect(db.HostConfig.PortBindings ?? {}).toEqual({});

		const run = await runWizard(['--yes', '--container', 'uw-demo-app', '--to', '1.7.0'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(/backup done .*\.dump/);
		expect((await inspect('uw-demo-app')).Config.Image).toMatch(/acme\/app:1\.7\.0$/);

		const down = await runWizard(['demo', '--down'], { stateHome });
		expect(down.exitCode, down.stderr).toBe(0);
		const left = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.demo=1']);
		expect(left.stdout.trim()).toBe('');
	});
});
