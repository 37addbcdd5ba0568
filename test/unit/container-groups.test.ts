import { describe, expect, it } from 'vitest';
import { groupRows } from '../../source/ui/container-groups.js';
import type { ContainerRow } from '../../source/core/wizard-backend.js';

// The Containers screen's groups: a Swarm service's task containers are listed
// under their service (ticking one upgrades the service), a Compose project's
// under its project, the rest under their image repository.

const row = (name: string, extra: Partial<ContainerRow> = {}): ContainerRow => ({
	name,
	engine: 'e1',
	id: `${name}-id`,
	image: 'reg/acme/app:1.6.0',
	repository: 'reg/acme/app',
	version: '1.6.0',
	state: 'running',
	preselected: false,
	...extra,
});

describe('container groups', () => {
	const rows = [row('plain'), row('web.1.abc', { swarm: { service: 'web' } }), row('web.2.def', { swarm: { service: 'web' } }), row('p-app-1', { compose: { project: 'p', service: 'app' } })];

	it('puts a service\'s tasks under the service, apart from the plain containers of the same image', () => {
		const groups = groupRows(rows);
		expect(groups.map((group) => [group.repository, group.rows.map((each) => each.name)])).toEqual([
			['compose project p', ['p-app-1']],
			['reg/acme/app', ['plain']],
			['swarm service web (ticking a task upgrades the service)', ['web.1.abc', 'web.2.def']],
		]);
	});

	it('finds the tasks by their service name', () => {
		expect(groupRows([row('x.1.abc', { swarm: { service: 'payments' } }), row('plain')], 'paym').flatMap((group) => group.rows.map((each) => each.name))).toEqual(['x.1.abc']);
	});
});
