import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';

/** A dashboard session as the page sees it: who signed in and the token its changes carry. */
export const DashboardSessionSchema = Type.Object({
  anonymous: Type.Boolean({description: '`true` when the server has no tokens: everyone is the admin, there is nothing to sign out of.'}),
  csrfToken: Type.String({description: 'Sent back in `X-Planton-CSRF` with every change made with the session cookie.'}),
  expiresAt: Type.String({format: 'date-time'}),
  name: Type.String({description: 'The token\'s name.'}),
  role: Type.Union([Type.Literal('admin'), Type.Literal('read')]),
}, {additionalProperties: false, title: 'DashboardSession'});

/** The schemas of `/dashboard/session`. */
export const DASHBOARD_ROUTE_SCHEMAS = {
  createSession: {
    body: Type.Object({token: Type.String({maxLength: 1000, minLength: 1})}, {additionalProperties: false}),
    response: {...ERROR_RESPONSES, 201: DashboardSessionSchema},
  },
  deleteSession: {response: {...ERROR_RESPONSES, 204: Type.Null({description: 'Signed out: the cookie is removed.'})}},
  getSession: {response: {...ERROR_RESPONSES, 200: DashboardSessionSchema}},
} as const;
