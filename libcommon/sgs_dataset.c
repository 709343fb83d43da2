/* The importers' common result (sgs_dataset.h). */
#include "sgs_dataset.h"

#include <stdlib.h>
#include <string.h>

void sgs_dataset_free(struct sgs_dataset *d)
{
	free(d->views);
	free(d->xyz);
	free(d->rgb);
	free(d->track_start);
	free(d->track);
	memset(d, 0, sizeof *d);
}
