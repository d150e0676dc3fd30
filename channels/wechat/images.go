package wechat

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig checks JPEG headers
	_ "image/png"  // and PNG headers
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
)

// Limits on residents' images.
const (
	MaxImages     = 9       // per intake
	MaxImageBytes = 5 << 20 // per image
	// MaxPendingUploads caps the images one resident may have uploaded and
	// not yet attached in a day.
	MaxPendingUploads = 60
	// OrphanAge is how long an unattached upload is kept.
	OrphanAge = 24 * time.Hour
)

// BlobStore keeps the bytes of uploaded images. DirStore keeps them under
// the data directory; an object store (S3, OSS, MinIO) implements the same
// three methods for servers that share no disk.
type BlobStore interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// DirStore is a BlobStore in a directory (<data dir>/uploads).
type DirStore struct{ Root string }

var _ BlobStore = DirStore{}

func (d DirStore) path(key string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(key))
	if key == "" || filepath.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("blob key %q", key)
	}
	return filepath.Join(d.Root, clean), nil
}

// Put implements BlobStore: write to a temporary file, then rename, so a
// reader never sees half an image.
func (d DirStore) Put(_ context.Context, key string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), p)
}

// Get implements BlobStore.
func (d DirStore) Get(_ context.Context, key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, kernel.Errorf(kernel.ENotFound, "图片不存在")
	}
	return b, err
}

// Delete implements BlobStore; a missing blob is not an error.
func (d DirStore) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Image types residents may upload, by sniffed content.
var imageExt = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

// SniffImage returns the content type of an image by its bytes (never its
// name or the client's claim): JPEG, PNG or WebP, else an invalid error.
func SniffImage(b []byte) (string, error) {
	if len(b) == 0 {
		return "", kernel.FieldError("file", "图片不能为空")
	}
	if len(b) > MaxImageBytes {
		return "", kernel.FieldError("file", "图片不能超过5MB")
	}
	ct := http.DetectContentType(b)
	if _, ok := imageExt[ct]; !ok {
		return "", kernel.FieldError("file", "只能上传JPEG、PNG或WebP格式的图片")
	}
	switch ct {
	case "image/jpeg", "image/png":
		if _, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil {
			return "", kernel.FieldError("file", "图片已损坏或格式不正确")
		}
	case "image/webp":
		// RIFF size must cover the file: a truncated WebP is refused.
		if len(b) < 16 || int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16|uint32(b[7])<<24)+8 > len(b) {
			return "", kernel.FieldError("file", "图片已损坏或格式不正确")
		}
	}
	return ct, nil
}

// Images stores residents' images: the row in the database, the bytes
// sealed with the data key in the blob store (pictures of ID cards and
// contracts are personal data too).
type Images struct {
	Store *Store
	Blobs BlobStore
	Keys  *pii.Keyring
	Now   func() time.Time
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newPublicID() string {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "img_" + idEncoding.EncodeToString(b[:])
}

// Upload checks and stores one image of a resident.
func (im *Images) Upload(ctx context.Context, residentID int64, data []byte) (*Upload, error) {
	ct, err := SniffImage(data)
	if err != nil {
		return nil, err
	}
	now := im.Now().UTC()
	n, err := im.Store.PendingUploads(ctx, residentID, now.Add(-OrphanAge))
	if err != nil {
		return nil, err
	}
	if n >= MaxPendingUploads {
		return nil, kernel.Errorf(kernel.EInvalid, "上传的图片过多，请先提交已上传的图片")
	}
	sum := sha256.Sum256(data)
	id := newPublicID()
	u := &Upload{PublicID: id, ResidentID: residentID, ContentType: ct, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), CreatedAt: now,
		BlobKey: now.In(cases.ChinaTime).Format("2006/01") + "/" + id + "." + imageExt[ct]}
	if err := im.Blobs.Put(ctx, u.BlobKey, im.Keys.Seal(data)); err != nil {
		return nil, fmt.Errorf("store image: %w", err)
	}
	if err := im.Store.CreateUpload(ctx, u); err != nil {
		im.Blobs.Delete(context.WithoutCancel(ctx), u.BlobKey)
		return nil, err
	}
	return u, nil
}

// Read returns an image's bytes.
func (im *Images) Read(ctx context.Context, u *Upload) ([]byte, error) {
	sealed, err := im.Blobs.Get(ctx, u.BlobKey)
	if err != nil {
		return nil, err
	}
	b, err := im.Keys.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", u.PublicID, err)
	}
	return b, nil
}

// Sweep deletes uploads never attached to an intake within OrphanAge.
func (im *Images) Sweep(ctx context.Context) (int, error) {
	n := 0
	for {
		list, err := im.Store.OrphanUploads(ctx, im.Now().Add(-OrphanAge), 200)
		if err != nil || len(list) == 0 {
			return n, err
		}
		for _, u := range list {
			ok, err := im.Store.DeleteUpload(ctx, u.ID)
			if err != nil {
				return n, err
			}
			if ok {
				if err := im.Blobs.Delete(ctx, u.BlobKey); err != nil {
					return n, err
				}
				n++
			}
		}
		if len(list) < 200 {
			return n, nil
		}
	}
}
