import { describe, expect, it } from 'vitest';
import { stepWords } from '../../source/sessions/plan-steps.js';
import type { PlannedUnit } from '../../source/sessions/upgrade-session.js';
import type { Plan } from '../../source/core/plan/plan.js';

// The plan screen's steps follow the executor's order: an offline backup (an
// embedded database, --offline-backup) is taken after the stop, not before.
describe('the plan screen steps', () => {
	const unit = { kind: 'container', name: 'proget', parkedName: 'proget-old', profile: {}, dependents: [] } as unknown as PlannedUnit;
	const planOf = (offline: boolean) => ({ units: [unit], database: { offline } }) as unknown as Plan<PlannedUnit>;

	it('an online backup comes before the stop', () => {
		expect(stepWords(unit, planOf(false), 'db').slice(0, 3)).toEqual(['pull the new image', 'back up db (verified)', 'stop proget']);
	});
	it('an offline backup comes after it, and the stop is not listed twice', () => {
		const steps = stepWords(unit, planOf(true), 'db');
		expect(steps.slice(0, 4)).toEqual(['pull the new image', 'stop proget', 'back up db (verified, with the app stopped)', 'rename it proget-old']);
		expect(steps.filter((step) => step.startsWith('stop '))).toHaveLength(1);
	});

	it('a staged create comes after the backup and before the stop; a pinned address says why it waits', () => {
		const staged = { ...unit, stagedName: 'proget-uw-new' } as unknown as PlannedUnit;
		expect(stepWords(staged, planOf(false), 'db').slice(0, 6)).toEqual([
			'pull the new image',
			'back up db (verified)',
			'create the new proget as proget-uw-new while the old one serves',
			'stop proget',
			'rename it proget-old, and proget-uw-new to proget',
			'start the new proget',
		]);
		const late = { ...unit, lateCreate: 'it has the static address 10.0.0.5 on front' } as unknown as PlannedUnit;
		expect(stepWords(late, planOf(false), 'db')).toContain('create and start the new proget (created after the stop: it has the static address 10.0.0.5 on front)');
	});
});
