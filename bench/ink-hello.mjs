// The floor for the TUI startup benchmark: a bare Ink "hello" that renders one
// frame and exits, loaded from node_modules like the wizard is.
import React from 'react';
import { render, Text, useApp } from 'ink';

function Hello() {
	const { exit } = useApp();
	React.useEffect(() => {
		const timer = setTimeout(exit, 200);
		return () => clearTimeout(timer);
	}, [exit]);
	return React.createElement(Text, null, 'hello from ink');
}

render(React.createElement(Hello));
