import type { Plan } from '../../core/plan/plan.js';
import { describeHealth } from '../../core/plan/health.js';
import { describeChecks } from '../../core/plan/checks.js';
import type { ContainerPlan } from './plan.js';
import { describeOneOff, oneOffName } from '../one-off-command.js';

/** One container's lines of the plan (what --dry-run prints under its number). */
export function describeContainer(container: ContainerPlan, plan: Plan<ContainerPlan>): string[] {
	const lines = [
		`   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, create and start the new ${container.name}`,
	];
	if (container.migrateFirst) {
		const first = plan.units.find((unit) => unit.migrateFirst) === container;
		lines.push(
			first
				? `   before the new ${container.name} starts: the one-off migration in ${oneOffName(container)} of the new image (its env, networks, volumes): ${describeOneOff(container.migrateFirst)}; must exit 0`
				: '   the one-off migration ran before the first container of the hop',
		);
	}
	lines.push(`   ${describeHealth(container.health)}`);
	const checks = container.profile.checks;
	if (checks) lines.push(`   ${describeChecks(checks)}`);
	lines.push(
		plan.keepOld
			? `   then keep ${container.parkedName}`
			: `   then remove ${container.parkedName}${plan.units.length > 1 ? ' once every container of the hop is healthy' : ''}`,
	);
	lines.push('   on failure: remove the new container, rename the old one back, start it');
	for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	return lines;
}
