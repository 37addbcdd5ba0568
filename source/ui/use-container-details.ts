import { useEffect, useState } from 'react';
import type { ContainerRow, WizardBackend } from '../core/wizard-backend.js';
import type { Load } from './use-load.js';

// The container list is drawn from the engine's one list call; what only an
// inspect of each container says (uptime, a PostgreSQL server's major) comes
// after, and replaces the rows when it is there. A failed detail pass leaves
// the list as it was: nothing on the screen depends on it.

export function useContainerDetails(backend: WizardBackend, load: Load<ContainerRow[]>): Load<ContainerRow[]> {
	const listed = load.status === 'ready' ? load.value : undefined;
	const [detailed, setDetailed] = useState<{ of: ContainerRow[]; rows: ContainerRow[] }>();

	useEffect(() => {
		if (!listed || listed.length === 0 || !backend.containerDetails) return;
		let current = true;
		backend.containerDetails(listed).then(
			(rows) => {
				if (current) setDetailed({ of: listed, rows });
			},
			() => undefined,
		);
		return () => {
			current = false;
		};
	}, [backend, listed]);

	// Details of an earlier list (before r, or a recovery) are not shown for a new one.
	return listed && detailed?.of === listed ? { status: 'ready', value: detailed.rows } : load;
}
