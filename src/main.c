/*
 * main.c — argv → subcommand. Nothing else lives here.
 */
#include "codegraph/cli.h"

int main(int argc, char **argv)
{
    return cg_cli_main(argc, argv);
}
