/* `spp-api seed`: loads the generated demo or scale data (common/rules/seed.c) into the database.
 */
#ifndef SPP_SEED_LOAD_H
#define SPP_SEED_LOAD_H

struct config;

/* Runs the seed subcommand with its arguments (argv[0] is "seed"). Returns the process exit
 * code: 0 when loaded or already there, 1 on a database failure, 2 on bad arguments. */
int seed_load_main(const struct config *cfg, int argc, char **argv);

#endif
