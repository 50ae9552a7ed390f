/** Creates (or replaces) a task over the HTTP API (the command has no `tasks create`); resolves the task's body. */
export const createTask = async (url: string, name: string, definition: Readonly<Record<string, unknown>>, token?: string): Promise<{readonly nextJob: {readonly id: number} | null}> => {
  const response = await fetch(`${url}/v1/tasks/${encodeURIComponent(name)}`, {
    body: JSON.stringify(definition),
    headers: {'content-type': 'application/json', ...token === undefined ? {} : {authorization: `Bearer ${token}`}},
    method: 'PUT',
  });

  if (!response.ok) {
    throw new Error(`PUT ${name}: ${response.status} ${await response.text()}`);
  }

  return await response.json() as {readonly nextJob: {readonly id: number} | null};
};
