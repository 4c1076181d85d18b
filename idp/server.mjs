// Meshgate local sign-in: an OpenID Connect provider (oidc-provider) for the demo users of
// the AWS emulator's seed, so the portal and its browser tests can sign in without a real
// identity provider. Everything it keeps (keys, sessions, grants) lives in memory only.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';
import { parse as parseToml } from 'smol-toml';

// Scripts wait for the single readiness line on stdout; oidc-provider prints its notices
// with console.info, so send those to stderr.
console.info = console.error;

const DEFAULT_PASSWORD = 'meshgate';
const env = process.env;
const list = (value) => value?.split(',').map((s) => s.trim()).filter(Boolean);

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

if (args.help) {
  console.log(`usage: node idp/server.mjs [--port N] [--host H] [--seed FILE]
                           [--redirect-uri URI]... [--post-logout-redirect-uri URI]...
See idp/README.md for the environment variables.`);
  process.exit(0);
}

const config = {
  port: Number(args.port ?? env.MESHGATE_IDP_PORT ?? 3004),
  host: args.host ?? env.MESHGATE_IDP_HOST ?? '127.0.0.1',
  seed: args.seed ?? env.MESHGATE_IDP_SEED
    ?? fileURLToPath(new URL('../emulator/seed/demo.toml', import.meta.url)),
  password: env.MESHGATE_IDP_PASSWORD || DEFAULT_PASSWORD,
  clientId: env.MESHGATE_IDP_CLIENT_ID || 'meshgate-local',
  clientSecret: env.MESHGATE_IDP_CLIENT_SECRET || 'meshgate-local-secret',
  redirectUris: args['redirect-uri'] ?? list(env.MESHGATE_IDP_REDIRECT_URIS)
    ?? ['http://127.0.0.1:3000/auth/callback'],
  postLogoutRedirectUris: args['post-logout-redirect-uri']
    ?? list(env.MESHGATE_IDP_POST_LOGOUT_REDIRECT_URIS) ?? ['http://127.0.0.1:3000/'],
};

if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
  console.error(`invalid port: ${args.port ?? env.MESHGATE_IDP_PORT}`);
  process.exit(2);
}

// The seed is the emulator's, so the people who can sign in are exactly the people the
// emulated identity store knows. Defaults mirror the emulator's (email <userName>@example.com).
function loadUsers(file) {
  const text = readFileSync(file, 'utf8');
  const seed = file.endsWith('.json') ? JSON.parse(text) : parseToml(text);
  const users = new Map();
  for (const u of seed.users ?? []) {
    users.set(u.user_name, {
      title: u.title,
      claims: {
        sub: u.user_name,
        preferred_username: u.user_name,
        name: u.display_name,
        email: u.email ?? `${u.user_name}@example.com`,
        email_verified: u.email_verified ?? true,
        groups: u.groups ?? [],
      },
    });
  }
  if (users.size === 0) throw new Error(`${file} has no users`);
  return users;
}

let users;
try {
  users = loadUsers(config.seed);
} catch (err) {
  console.error(`cannot read the seed ${config.seed}: ${err.message}`);
  process.exit(2);
}

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f1f5f9; color: #0f172a; line-height: 1.5; }
  main { max-width: 52rem; margin: 0 auto; padding: 2.5rem 1rem; }
  .card { background: #fff; border: 1px solid #e2e8f0; border-radius: .75rem; padding: 1.75rem; box-shadow: 0 1px 3px rgb(15 23 42 / .08); }
  .login { max-width: 24rem; margin: 0 auto 2rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  .lead { color: #475569; margin: 0 0 1.5rem; font-size: .95rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
  input { box-sizing: border-box; width: 100%; font: inherit; padding: .6rem .75rem; border: 1px solid #94a3b8; border-radius: .5rem; }
  button { margin-top: 1.5rem; width: 100%; font: inherit; font-weight: 600; padding: .65rem; border: 0; border-radius: .5rem; background: #4338ca; color: #fff; cursor: pointer; }
  button:hover { background: #3730a3; }
  :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .error { background: #fef2f2; border: 1px solid #fca5a5; color: #991b1b; border-radius: .5rem; padding: .6rem .75rem; margin: 0 0 1rem; }
  .hint { color: #475569; font-size: .9rem; }
  code { background: #e2e8f0; padding: .05rem .3rem; border-radius: .25rem; }
  .users { overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; font-size: .875rem; }
  th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
  th { color: #475569; font-weight: 600; }
  td:first-child { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 600; }
  .nowrap { white-space: nowrap; }
  .groups { color: #475569; white-space: nowrap; }
  @media (max-width: 40rem) {
    main { padding: 1rem .75rem; }
    .card { padding: 1.25rem; }
    thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
    tr { display: block; padding: .5rem 0; border-bottom: 1px solid #e2e8f0; }
    td { display: block; padding: 0; border: 0; }
    td:first-child { display: inline; margin-right: .5rem; }
    td:nth-child(2) { display: inline; }
  }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage(uid, { username = '', error } = {}) {
  const password = config.password === DEFAULT_PASSWORD
    ? `the password <code>${esc(DEFAULT_PASSWORD)}</code>`
    : 'the password set in <code>MESHGATE_IDP_PASSWORD</code>';
  const rows = [...users].map(([name, u]) => `<tr><td>${esc(name)}</td><td>${esc(u.claims.name)}</td>`
    + `<td>${esc(u.title)}</td><td class="groups">${u.claims.groups.map(esc).join('<br>') || '—'}</td></tr>`);
  return page('Meshgate local sign-in', `<div class="card login">
<h1>Meshgate local <span class="nowrap">sign-in</span></h1>
<p class="lead">The local identity provider for Meshgate's demo users.</p>
${error ? `<p class="error" role="alert" id="login-error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login"${error ? ' aria-describedby="login-error"' : ''}>
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(username)}"${username ? '' : ' autofocus'}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${username ? ' autofocus' : ''}>
  <button type="submit">Sign in</button>
</form>
</div>
<section class="card" aria-labelledby="demo-users">
<h2 id="demo-users">Demo accounts</h2>
<p class="hint">Sign in with a username below and ${password}.</p>
<div class="users"><table>
<thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Groups</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
</section>`);
}

function messagePage(title, message) {
  return page(title, `<div class="card login"><h1>${esc(title)}</h1><p>${message}</p></div>`);
}

// The portal is first party: its users never see a consent screen, so every grant it asks
// for is given, whether at authorization (no interaction at all) or on an explicit
// prompt=consent.
async function grantAll(provider, { accountId, clientId, grantId, scope, claims = [], resourceScopes = {} }) {
  let grant = grantId && await provider.Grant.find(grantId);
  if (!grant || grant.accountId !== accountId) grant = new provider.Grant({ accountId, clientId });
  if (scope) grant.addOIDCScope(scope);
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, scopes] of Object.entries(resourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
  await grant.save();
  return grant;
}

async function createProvider(issuer) {
  // Keys live as long as the process: a restart signs everyone out, which is fine locally.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.clientId,
      client_secret: config.clientSecret,
      client_name: 'Meshgate portal',
      // A web client: oidc-provider accepts http:// redirect URIs (the local portal's) for
      // the code flow; only implicit-flow web clients are held to https.
      application_type: 'web',
      redirect_uris: config.redirectUris,
      post_logout_redirect_uris: config.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // client_secret_post is accepted too: oidc-provider treats the two as one secret method.
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // The portal reads who the user is from the ID token alone, without a userinfo call.
    conformIdTokenClaims: false,
    async findAccount(ctx, sub) {
      const user = users.get(sub);
      return user && { accountId: sub, claims: async () => user.claims };
    },
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      return grantAll(oidc.provider, {
        accountId: oidc.session.accountId,
        clientId: oidc.client.clientId,
        grantId: oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId),
        scope: [...oidc.requestParamOIDCScopes].join(' '),
        claims: [...oidc.requestParamClaims],
      });
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // A logout that names its ID token is the portal's own: go through without asking.
        // Without id_token_hint any page could sign users out, so then a person confirms.
        async logoutSource(ctx, form) {
          const known = Boolean(ctx.oidc.entities.IdTokenHint);
          ctx.body = page('Sign out of Meshgate', `<div class="card login">
<h1>Sign out of Meshgate</h1>
<p class="lead">${known ? 'Signing you out…' : 'Do you want to sign out of Meshgate?'}</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes"${known ? '' : ' autofocus'}>Sign out</button>
</div>${known ? '<script>document.getElementById("op.logoutForm").requestSubmit(document.querySelector("button[name=logout]"))</script>' : ''}`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = messagePage('Signed out', 'You are signed out of Meshgate local sign-in.');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in error', `${esc(out.error)}: ${esc(out.error_description)}`);
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 8 * 3600,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  return provider;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interaction(provider, req, res) {
  const url = new URL(req.url, 'http://localhost');
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;

  if (prompt.name === 'consent') {
    const grant = await grantAll(provider, {
      accountId: session.accountId,
      clientId: params.client_id,
      grantId: details.grantId,
      scope: prompt.details.missingOIDCScope?.join(' '),
      claims: prompt.details.missingOIDCClaims,
      resourceScopes: prompt.details.missingResourceScopes,
    });
    return provider.interactionFinished(req, res, { consent: { grantId: grant.jti } });
  }

  if (req.method === 'POST' && url.pathname === `/interaction/${uid}/login`) {
    const form = await readForm(req);
    const username = form.get('username')?.trim() ?? '';
    if (users.has(username) && form.get('password') === config.password) {
      return provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
    }
    return send(res, 401, loginPage(uid, { username, error: 'Unknown username or wrong password. Please try again.' }));
  }

  if (req.method === 'GET' && url.pathname === `/interaction/${uid}`) {
    const hint = users.has(params.login_hint) ? params.login_hint : '';
    return send(res, 200, loginPage(uid, { username: hint }));
  }

  return send(res, 404, messagePage('Not found', 'There is nothing here.'));
}

let provider;
let handle;
const server = createServer(async (req, res) => {
  if (!provider) return send(res, 503, messagePage('Starting', 'Try again in a moment.'));
  if (!req.url.startsWith('/interaction/')) return handle(req, res);
  try {
    await interaction(provider, req, res);
  } catch (err) {
    if (res.headersSent) return res.destroy();
    if (err.name === 'SessionNotFound') {
      return send(res, 400, messagePage('Sign-in expired', 'This sign-in attempt has expired or was already used. Go back to Meshgate and sign in again.'));
    }
    console.error(err);
    send(res, 500, messagePage('Sign-in error', 'Something went wrong; see the identity provider\'s log.'));
  }
});

server.on('error', (err) => {
  console.error(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
  process.exit(1);
});

// Listening first lets --port 0 pick a free port that then goes into the issuer.
server.listen(config.port, config.host, async () => {
  const { port } = server.address();
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const issuer = `http://${host}:${port}`;
  try {
    provider = await createProvider(issuer);
    handle = provider.callback();
  } catch (err) {
    console.error(`cannot start the identity provider: ${err.message}`);
    process.exit(1);
  }
  process.stdout.write(`listening on ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
