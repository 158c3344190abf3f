/* dns_mem.c - placeholder until implemented */
#include "config.h"
