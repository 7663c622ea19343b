'use strict';

module.exports = ({ env }) => ({
  'users-permissions': {
    config: {
      // DEV-ONLY default: set JWT_SECRET anywhere real. The export authorizer
      // verifies users' tokens with this same secret (HS256).
      jwtSecret: env('JWT_SECRET', 'dev-only-jwt-secret-change-me'),
      jwt: {
        expiresIn: '7d',
      },
    },
  },
});
