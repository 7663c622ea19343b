package com.onboardingexport.local.gateway;

import com.onboardingexport.local.template.LocalApiTemplate;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's routes (the template's {@code Api} events) as API Gateway matches them: most specific
 * first (more literal characters win over path variables), {@code {name}} and {@code {name+}} path
 * variables, served at the root as {@code sam local start-api} does and under the stage as the
 * deployed API is.
 */
final class RouteTable {
    private record CompiledRoute(LocalApiTemplate.Route route, Pattern pattern, List<String> parameterNames, int literalLength) {
    }

    /**
     * A request's route: the path it matched (the stage prefix taken off) and its decoded path
     * variables, in the route's order (empty when the route has none).
     */
    record Match(LocalApiTemplate.Route route, String rawPath, Map<String, String> pathParameters) {
    }

    private final List<CompiledRoute> routes = new ArrayList<>();
    private final String stage;

    RouteTable(List<LocalApiTemplate.Route> templateRoutes, String stage) {
        this.stage = stage;
        templateRoutes.forEach(route -> routes.add(compile(route)));
        routes.sort((a, b) -> Integer.compare(b.literalLength(), a.literalLength()));
    }

    /** The routes, most specific first. */
    List<LocalApiTemplate.Route> routes() {
        return routes.stream().map(CompiledRoute::route).toList();
    }

    /** The route of a request's method and raw path, if any. */
    Optional<Match> match(String method, String requestPath) {
        String rawPath = requestPath.startsWith("/" + stage + "/")
                && routes.stream().noneMatch(r -> r.pattern().matcher(requestPath).matches())
                ? requestPath.substring(stage.length() + 1) : requestPath;
        for (CompiledRoute route : routes) {
            if (route.route().method().equals(method) || route.route().method().equals("ANY")) {
                Matcher matcher = route.pattern().matcher(rawPath);
                if (matcher.matches()) {
                    return Optional.of(new Match(route.route(), rawPath, pathParameters(route, matcher)));
                }
            }
        }
        return Optional.empty();
    }

    private static Map<String, String> pathParameters(CompiledRoute route, Matcher matcher) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < route.parameterNames().size(); i++) {
            parameters.put(route.parameterNames().get(i), URLDecoder.decode(matcher.group(i + 1).replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return Collections.unmodifiableMap(parameters);
    }

    private static CompiledRoute compile(LocalApiTemplate.Route route) {
        StringBuilder regex = new StringBuilder();
        List<String> names = new ArrayList<>();
        int literal = 0;
        for (String segment : route.path().split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            regex.append('/');
            if (segment.startsWith("{") && segment.endsWith("+}")) {
                names.add(segment.substring(1, segment.length() - 2));
                regex.append("(.+)");
            } else if (segment.startsWith("{") && segment.endsWith("}")) {
                names.add(segment.substring(1, segment.length() - 1));
                regex.append("([^/]+)");
            } else {
                regex.append(Pattern.quote(segment));
                literal += segment.length() + 1;
            }
        }
        if (regex.isEmpty()) {
            regex.append('/');
        }
        return new CompiledRoute(route, Pattern.compile(regex + "/?"), names, literal);
    }
}
