/* Subcommands of the clcnn command-line tool. */
#ifndef CLCNN_TOOLS_COMMANDS_H
#define CLCNN_TOOLS_COMMANDS_H

/* Each returns the process exit code; argv[0] is the subcommand name. */
int clcnn_cmd_devices(int argc, char **argv);
int clcnn_cmd_cache(int argc, char **argv);
int clcnn_cmd_bench(int argc, char **argv);
int clcnn_cmd_demo(int argc, char **argv);
int clcnn_cmd_train(int argc, char **argv);
int clcnn_cmd_run(int argc, char **argv);
int clcnn_cmd_tune(int argc, char **argv);

/* 1 when any argument is -h or --help. */
int clcnn_wants_help(int argc, char **argv);

#endif
