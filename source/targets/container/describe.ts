import type { Plan } from '../../core/plan/plan.js';
import { describeHealth } from '../../core/plan/health.js';
import type { ContainerPlan } from './plan.js';
import { describeOneOff, oneOffName } from './one-off.js';

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
	if (checks) {
		const what = [checks.version ? `version at :${checks.version.port}${checks.version.path} (${checks.version.json})` : '', checks.logs ? `no log line matching ${checks.logs.fail.join(', ')} until ${checks.logs.watchS} s after the gate` : ''].filter(Boolean);
		lines.push(`   post-upgrade checks: ${what.join('; ')}${checks.gate ? ' (a failure rolls back)' : ' (warnings)'}`);
	}
	lines.push(
		plan.keepOld
			? `   then keep ${container.parkedName}`
			: `   then remove ${container.parkedName}${plan.units.length > 1 ? ' once every container of the hop is healthy' : ''}`,
	);
	lines.push('   on failure: remove the new container, rename the old one back, start it');
	for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	return lines;
}
