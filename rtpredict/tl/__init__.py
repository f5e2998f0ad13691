from rtpredict.tl._dna_features import dna_features as dna_features
