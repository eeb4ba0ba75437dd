import { silenceKafkajsNegativeTimeoutWarnings } from '@budgetwatch/kafka';

silenceKafkajsNegativeTimeoutWarnings();
