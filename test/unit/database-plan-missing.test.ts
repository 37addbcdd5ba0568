import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { NoDatabaseError, planDatabase } from '../../source/sessions/plan-database.js';
import { UsageError } from '../../source/core/errors.js';
import { Redactor } from '../../source/text/redact.js';
import type { Plan } from '../../source/core/plan/plan.js';
import type { ContainerPlan } from '../../source/targets/container/plan.js';
import { genericProfile } from '../../source/profiles/profile.js';

// No DATABASE_URL and no --db: still exit 2 with the line naming both options
// (--yes), but recognisable by kind, so the wizard can ask instead.

const plan = {
	units: [{ name: 'app-1', inspect: { Config: { Env: ['PORT=8080'] } }, profile: { ...genericProfile, database: { urlEnv: ['DATABASE_URL'] } } }],
	hops: ['1.7.0'],
} as unknown as Plan<ContainerPlan>;
const options = { skipBackup: false, offlineBackup: false, noMigrations: false, stopAllFirst: false };
const context = { env: {}, stateDir: '/nonexistent', redactor: new Redactor() };

describe('no database found', () => {
	it('throws a usage error of kind no-database naming --db and --skip-backup', async () => {
		const error = await planDatabase({} as Docker, plan, options, context).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(NoDatabaseError);
		expect(error).toBeInstanceOf(UsageError);
		expect(error).toMatchObject({ kind: 'no-database', container: 'app-1', exitCode: 2 });
		expect((error as Error).message).toBe('app-1: no database found (no DATABASE_URL in its environment); pass --db URL, or --skip-backup to upgrade without a backup');
	});

	it('--skip-backup plans no database at all', async () => {
		await expect(planDatabase({} as Docker, plan, { ...options, skipBackup: true }, context)).resolves.toBeUndefined();
	});
});
