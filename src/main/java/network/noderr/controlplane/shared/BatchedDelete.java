package network.noderr.controlplane.shared;

import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Deletes the rows of a growing table that match a condition in batches, each its own statement, so a retention job
 * never holds locks on, or writes WAL for, millions of rows at once.
 */
public final class BatchedDelete {

    private BatchedDelete() {}

    /**
     * Deletes every row of {@code table} matching {@code where} (SQL with named parameters from {@code params}),
     * {@code batch} rows at a time, identified by the column {@code key}. Table, key and condition are the caller's
     * constants, never input.
     *
     * @return how many rows were deleted
     */
    public static long delete(JdbcClient jdbc, String table, String key, String where, Map<String, ?> params,
            int batch) {
        var sql = "DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table + " WHERE "
                + where + " LIMIT :batch)";
        long total = 0;
        int deleted;
        do {
            deleted = jdbc.sql(sql).params(params).param("batch", batch).update();
            total += deleted;
        } while (deleted == batch);
        return total;
    }
}
