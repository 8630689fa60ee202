package io.perch.dashboard.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;

/** Prometheus text exposition from the context's registry (or a Prometheus one inside a composite). */
public final class PrometheusApi {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry prometheus;

    public PrometheusApi(MeterRegistry registry) {
        this.prometheus = find(registry);
    }

    private static PrometheusMeterRegistry find(MeterRegistry r) {
        if (r instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (r instanceof CompositeMeterRegistry c) {
            for (MeterRegistry inner : c.getRegistries()) {
                PrometheusMeterRegistry p = find(inner);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    public Response scrape(Request req) {
        if (prometheus == null) {
            throw new ApiException(404, ApiException.NOT_FOUND, "the metrics registry is not a Prometheus registry");
        }
        return Response.text(200, CONTENT_TYPE, prometheus.scrape());
    }
}
