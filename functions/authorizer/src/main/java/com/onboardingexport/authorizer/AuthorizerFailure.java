package com.onboardingexport.authorizer;

/**
 * The authorizer could not decide (Strapi or Secrets Manager unreachable, a broken event). Thrown
 * to the Lambda runtime, so API Gateway refuses the request with a 500 and, unlike a Deny policy,
 * does not cache the refusal for the token: the user is let in again as soon as Strapi answers.
 */
public final class AuthorizerFailure extends RuntimeException {
    public AuthorizerFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
