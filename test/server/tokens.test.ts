import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {createAuth, isLoopbackHost, parseTokens, readTokens} from '../../src/server/index.ts';

const ADMIN = 'admin-token-0123456789';
const READ = 'read-token-0123456789ab';

test('parseTokens reads role:token and role:token:name entries, by line or comma, skipping blanks and # comments', (t) => {
  t.deepEqual(parseTokens(`# tokens\nadmin:${ADMIN}\n\nread:${READ}:grafana , worker:worker-token-012345678\n`, 'file'), [
    {role: 'admin', token: ADMIN},
    {name: 'grafana', role: 'read', token: READ},
    {role: 'worker', token: 'worker-token-012345678'},
  ]);
  t.deepEqual(parseTokens('', 'PLANTON_TOKENS'), []);
});

for (const entry of ['root:abcdefabcdefabcdef', 'admin', 'admin:', `admin:${ADMIN}:name:extra`, `admin:${ADMIN}:`]) {
  test(`parseTokens refuses \`${entry.replace(ADMIN, '<token>')}\` with INVALID_SERVER_CONFIGURATION, naming the line but not the token`, (t) => {
    const error = t.throws(() => parseTokens(`read:${READ}\n${entry}`, 'tokens.txt'), {code: 'INVALID_SERVER_CONFIGURATION'});

    t.is(error?.message.includes('tokens.txt line 2'), true);
    t.false(error?.message.includes(ADMIN));
  });
}

test('readTokens adds up PLANTON_TOKENS and the file PLANTON_TOKENS_FILE names; neither set: no tokens', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'planton-tokens-'));
  const file = path.join(directory, 'tokens');

  t.teardown(async () => {
    await rm(directory, {force: true, recursive: true});
  });
  await writeFile(file, `# one per line\nread:${READ}:dashboards\n`);

  t.deepEqual(await readTokens({environment: {PLANTON_TOKENS: `admin:${ADMIN}`, PLANTON_TOKENS_FILE: file}}), [
    {role: 'admin', token: ADMIN},
    {name: 'dashboards', role: 'read', token: READ},
  ]);
  t.deepEqual(await readTokens({environment: {}}), []);
  await t.throwsAsync(readTokens({environment: {PLANTON_TOKENS_FILE: path.join(directory, 'missing')}}), {code: 'ENOENT'});
});

test('createAuth: a known bearer token gives its principal, named; the scheme is case-insensitive', (t) => {
  const auth = createAuth({tokens: [{role: 'admin', token: ADMIN}, {name: 'grafana', role: 'read', token: READ}]});

  t.like(auth.authenticate(`Bearer ${ADMIN}`), {name: 'admin-1', role: 'admin'});
  t.like(auth.authenticate(`bearer ${READ}`), {name: 'grafana', role: 'read'});
  t.not(auth.authenticate(`Bearer ${ADMIN}`).key, auth.authenticate(`Bearer ${READ}`).key);
  t.false(auth.authenticate(`Bearer ${ADMIN}`).key.includes(ADMIN));
  t.true(auth.hasTokens);
});

for (const [title, header] of [['no header', undefined], ['an empty header', ''], ['another scheme', `Basic ${ADMIN}`], ['an unknown token', 'Bearer admin-token-0123456780'], ['a prefix of a token', 'Bearer admin-token'], ['a token with a suffix', `Bearer ${ADMIN}x`]] as const) {
  test(`createAuth: ${title} is UNAUTHORIZED`, (t) => {
    const auth = createAuth({tokens: [{role: 'admin', token: ADMIN}]});

    t.throws(() => auth.authenticate(header), {code: 'UNAUTHORIZED'});
  });
}

test('createAuth: roles: admin may read, write and connect workers; read only read; worker only connect', (t) => {
  const auth = createAuth({tokens: [{role: 'admin', token: ADMIN}]});
  const allowed = (role: 'admin' | 'read' | 'worker', access: 'read' | 'worker' | 'write') => {
    try {
      auth.authorize({key: 'k', name: role, role}, access);

      return true;
    } catch (error) {
      t.like(error, {code: 'FORBIDDEN', role});

      return false;
    }
  };

  t.deepEqual(['read', 'write', 'worker'].map((access) => allowed('admin', access as 'read')), [true, true, true]);
  t.deepEqual(['read', 'write', 'worker'].map((access) => allowed('read', access as 'read')), [true, false, false]);
  t.deepEqual(['read', 'write', 'worker'].map((access) => allowed('worker', access as 'read')), [false, false, true]);
});

test('createAuth: without tokens every request is the anonymous admin', (t) => {
  const auth = createAuth({tokens: []});

  t.false(auth.hasTokens);
  t.like(auth.authenticate(undefined), {name: 'anonymous', role: 'admin'});
  t.like(auth.authenticate('Bearer whatever'), {role: 'admin'});
});

for (const [title, tokens, option] of [
  ['a short token', [{role: 'admin', token: 'short'}], 'tokens[0].token'],
  ['a token with a colon', [{role: 'admin', token: 'abc:defghijklmnopqrs'}], 'tokens[0].token'],
  ['an unknown role', [{role: 'root', token: ADMIN}], 'tokens[0].role'],
  ['a token given twice', [{role: 'admin', token: ADMIN}, {role: 'read', token: ADMIN}], 'tokens[1].token'],
  ['an empty name', [{name: '', role: 'admin', token: ADMIN}], 'tokens[0].name'],
  ['not an array', 'admin', 'tokens'],
] as const) {
  test(`createAuth refuses ${title} (INVALID_SERVER_CONFIGURATION on \`${option}\`), never echoing a token`, (t) => {
    const error = t.throws(() => createAuth({tokens: tokens as never}), {code: 'INVALID_SERVER_CONFIGURATION'});

    t.like(error, {option});
    t.false(error?.message.includes(ADMIN) ?? true);
  });
}

for (const [host, expected] of [
  ['127.0.0.1', true],
  ['127.1.2.3', true],
  ['localhost', true],
  ['::1', true],
  ['[::1]', true],
  ['::ffff:127.0.0.1', true],
  ['0.0.0.0', false],
  ['::', false],
  ['192.168.1.10', false],
  ['127.example.com', false],
  ['example.com', false],
] as const) {
  test(`isLoopbackHost(${host}) → ${String(expected)}`, (t) => {
    t.is(isLoopbackHost(host), expected);
  });
}
